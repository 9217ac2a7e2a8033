/**
 * What the demo centre holds: its people, this PC and the simulated seats beside it, and one sitting
 * of candidates (realistic names, IMI-style registration numbers, qualifications from the awarding
 * body's list in shared/catalogs/qualifications.ts).
 */
import { agentFinding } from '../kiosk-agent/checks/results.ts';
import type { SHORT_RETAKE_QUALIFICATIONS } from '../shared/catalogs/qualifications.ts';
import type { Finding } from '../shared/schemas/common.ts';
import type { SittingInput } from '../shared/schemas/console-api.ts';

export const DEMO_CENTRE_NAME = 'Northgate College (demo)';
export const DEMO_ROOM = 'Room 4 (IT suite)';
/** The coordinator the dashboard link signs in (the password is made up at each start). */
export const DEMO_COORDINATOR = { name: 'Dana Okafor', pin: '40213' } as const;
/** A second invigilator, so the Invigilators page and the ratio rule have someone to show. */
export const DEMO_INVIGILATOR = { name: 'Tom Reyes', pin: '40988' } as const;

/** This PC, as the seat map shows it. */
export const THIS_PC = { pcName: 'THIS-PC', place: 'Row A, seat 1 (this PC)' } as const;

export interface SimulatedSeatPlan {
  pcName: string;
  place: string;
  /** What the simulated agent reports (real finding objects, as the real checks make them). */
  findings: () => Finding[];
}

/**
 * Simulated seats, so the seat map looks like a room: each is labelled "simulated" in its place and
 * its name, and each speaks the real seat protocol (kiosk-agent/seat/console-link.ts) from the demo.
 */
export const SIMULATED_SEATS: readonly SimulatedSeatPlan[] = [
  { pcName: 'SIM-02', place: 'Row A, seat 2 · simulated', findings: () => [] },
  { pcName: 'SIM-03', place: 'Row A, seat 3 · simulated', findings: () => [] },
  {
    pcName: 'SIM-04',
    place: 'Row B, seat 1 · simulated',
    findings: () => [
      agentFinding(
        'other-browser',
        'Firefox, a browser other than the managed one, is running (process firefox-esr, pid 2417).',
        { subject: 'Firefox', details: { process: 'firefox-esr', pid: 2417 } },
      ),
    ],
  },
  { pcName: 'SIM-05', place: 'Row B, seat 2 · simulated', findings: () => [] },
  { pcName: 'SIM-06', place: 'Row B, seat 3 · simulated', findings: () => [] },
];

export interface DemoCandidate {
  name: string;
  registrationNumber: string;
  qualificationNumber: keyof typeof SHORT_RETAKE_QUALIFICATIONS;
  assessment: string;
  durationMinutes: number;
  /** The PC the candidate sits at. */
  pcName: string;
  /** Whether the demo confirms the identity at start (the others wait for "Check ID"). */
  identityConfirmed: boolean;
}

export const DEMO_CANDIDATES: readonly DemoCandidate[] = [
  {
    name: 'Amira Hussain',
    registrationNumber: 'IMI-100234',
    qualificationNumber: '601/8928/9',
    assessment: 'MOT Testing (Classes 4 and 7): online test',
    durationMinutes: 60,
    pcName: THIS_PC.pcName,
    identityConfirmed: true,
  },
  {
    name: 'Connor Walsh',
    registrationNumber: 'IMI-100311',
    qualificationNumber: '603/1466/7',
    assessment: 'Electric/Hybrid Vehicles Routine Maintenance: online test',
    durationMinutes: 45,
    pcName: 'SIM-02',
    identityConfirmed: true,
  },
  {
    name: 'Priya Sharma',
    registrationNumber: 'IMI-100457',
    qualificationNumber: '601/8928/9',
    assessment: 'MOT Testing (Classes 4 and 7): online test',
    durationMinutes: 60,
    pcName: 'SIM-03',
    identityConfirmed: false,
  },
  {
    name: 'Jakub Nowak',
    registrationNumber: 'IMI-100502',
    qualificationNumber: '600/4331/3',
    assessment: 'Automotive Air Conditioning Servicing: online test',
    durationMinutes: 60,
    pcName: 'SIM-04',
    identityConfirmed: true,
  },
  {
    name: 'Grace Adeyemi',
    registrationNumber: 'IMI-100618',
    qualificationNumber: '603/1465/5',
    assessment: 'Electric/Hybrid Vehicle Awareness: online test',
    durationMinutes: 40,
    pcName: 'SIM-05',
    identityConfirmed: true,
  },
];

/** The demo sitting, starting now, with each candidate on their PC. */
export function demoSitting(
  seatIds: ReadonlyMap<string, string>,
  invigilatorIds: string[],
  now = new Date(),
): SittingInput {
  return {
    room: DEMO_ROOM,
    startsAt: now.toISOString(),
    invigilatorIds,
    entries: DEMO_CANDIDATES.map((c) => ({
      candidateName: c.name,
      registrationNumber: c.registrationNumber,
      qualificationNumber: c.qualificationNumber,
      qualificationType: 'other',
      assessment: c.assessment,
      durationMinutes: c.durationMinutes,
      extraMinutes: 0,
      reasonableAdjustment: null,
      seatId: seatIds.get(c.pcName) ?? null,
    })),
  };
}

/** How the demo confirms identities at start, as written into the record. */
export const DEMO_IDENTITY_NOTE = 'Demo data: confirmed by `invigil demo` at start-up';
