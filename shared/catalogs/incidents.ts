import type { SeatEvent } from '../schemas/events.ts';

/**
 * Incident kinds for the invigilation record. Manual kinds are the awarding body's list of issues that
 * must be recorded (seeds/000, "The types of issues that must be recorded include"), plus emergencies
 * and malpractice from the same section; automatic kinds come from what a seat reports.
 */
export const MANUAL_INCIDENT_KINDS = {
  'incorrect-assessment': 'Incorrect assessment launched',
  'submitted-early': 'Assessment submitted before completion',
  'reader-used': 'Reader used',
  'fire-alarm': 'Fire alarm',
  'it-issue': 'IT issue',
  'explanation-requested': 'Explanation or pronunciation requested',
  'candidate-interaction': 'Interaction between candidates',
  'question-issue': 'Issue with a question or diagram',
  emergency: 'Emergency or candidate taken ill',
  'suspected-malpractice': 'Suspected malpractice',
  other: 'Other',
} as const;
export type ManualIncidentKind = keyof typeof MANUAL_INCIDENT_KINDS;
export const MANUAL_INCIDENT_KIND_IDS = Object.keys(MANUAL_INCIDENT_KINDS) as [
  ManualIncidentKind,
  ...ManualIncidentKind[],
];

export const AUTOMATIC_INCIDENT_KINDS = {
  'site-blocked': 'Site blocked',
  'focus-lost': 'Browser lost focus',
  'setting-reverted': 'Browser setting changed',
  'download-blocked': 'Download blocked',
  'extension-disabled': 'Browser extension turned off',
  'policy-rejected': 'Seat policy rejected',
  'display-added': 'Display added',
  'password-manager': 'Password manager started',
  'forbidden-program': 'Forbidden program started',
  'seat-finding': 'Seat check failed',
  'extension-link-lost': 'Browser stopped reporting',
  'seat-offline': 'Seat offline',
  'seat-flooding': 'PC flooding the console',
  'seat-replacement': 'Seat replacement',
  'seat-connection-refused': 'Connections refused',
  'connector-refused': 'Program posing as the browser refused',
  'seat-credential-shared': 'Seat credential shared',
  'hand-raised': 'Hand raised',
} as const;
export type AutomaticIncidentKind = keyof typeof AUTOMATIC_INCIDENT_KINDS;

/** Incidents the console records for something a person did on the dashboard (not chosen from a list). */
export const CONSOLE_INCIDENT_KINDS = {
  'help-summoned': 'Help summoned',
} as const;
export type ConsoleIncidentKind = keyof typeof CONSOLE_INCIDENT_KINDS;

export type IncidentKind = ManualIncidentKind | AutomaticIncidentKind | ConsoleIncidentKind;
export const INCIDENT_KIND_LABELS: Record<IncidentKind, string> = {
  ...MANUAL_INCIDENT_KINDS,
  ...AUTOMATIC_INCIDENT_KINDS,
  ...CONSOLE_INCIDENT_KINDS,
};

/** Incident kinds that say nothing about a PC's trouble, for the anomaly report's count per PC. */
export const NOT_SEAT_TROUBLE_KINDS: ReadonlySet<string> = new Set([
  'hand-raised',
  'help-summoned',
  'explanation-requested',
  'submitted-early',
]);

export function incidentKindLabel(kind: string): string {
  return (INCIDENT_KIND_LABELS as Record<string, string>)[kind] ?? kind;
}

export interface AutomaticIncident {
  kind: AutomaticIncidentKind;
  /** Plain English for the record; what the seat reported is quoted, never interpreted. */
  description: string;
}

/**
 * Which seat events become incidents in the record, and how they read. Events that are routine
 * (the agent starting, focus returning, a finding clearing) are stored but are not incidents.
 */
export function incidentFromEvent(event: SeatEvent): AutomaticIncident | null {
  switch (event.type) {
    case 'event/blocked-navigation':
      if (event.reason === 'held') return null;
      return {
        kind: 'site-blocked',
        description:
          event.reason === 'browser-internal'
            ? `Tried to open a browser page that is not allowed: ${event.url}`
            : `Tried to open a site outside the assessment: ${event.url}`,
      };
    case 'event/hand-raised':
      return {
        kind: 'hand-raised',
        description:
          event.via === 'shortcut'
            ? 'The candidate raised a hand (keyboard shortcut).'
            : 'The candidate raised a hand (the Raise hand button).',
      };
    case 'event/focus-lost':
      return { kind: 'focus-lost', description: 'The browser lost focus to another program or window.' };
    case 'event/setting-reverted':
      return {
        kind: 'setting-reverted',
        description: event.restored
          ? `The browser setting "${event.setting}" was turned on and Invigil turned it off again.`
          : `The browser setting "${event.setting}" was turned on and could not be turned off again.`,
      };
    case 'event/download-blocked':
      return {
        kind: 'download-blocked',
        description: `A download was blocked: ${event.filename ?? event.url}`,
      };
    case 'event/extension-disabled':
      return {
        kind: 'extension-disabled',
        description: event.passwordManager
          ? `The password-manager extension "${event.name}" (${event.passwordManager}) was turned off.`
          : `The browser extension "${event.name}" was turned off.`,
      };
    case 'event/policy-rejected':
      return {
        kind: 'policy-rejected',
        description: `The seat rejected ${event.errors.length} policy setting(s); the last good settings stay in force.`,
      };
    case 'event/extension-link':
      return event.connected
        ? null
        : {
            kind: 'extension-link-lost',
            description: 'The browser extension stopped reporting to the seat.',
          };
    case 'event/connector-refused': {
      const p = event.peer;
      const who = [
        p.pid !== null ? `process ${p.pid}` : 'an unknown process',
        p.executable ? ` (${p.executable})` : '',
        p.user ? `, user ${p.user}` : '',
        p.parentPid !== null
          ? `, started by process ${p.parentPid}${p.parentExecutable ? ` (${p.parentExecutable})` : ''}`
          : '',
      ].join('');
      const repeats = event.repeats ? ` It tried ${event.repeats} more time(s) before this.` : '';
      const why = `${event.reason.charAt(0).toUpperCase()}${event.reason.slice(1).replace(/\.?$/, '.')}`;
      return {
        kind: 'connector-refused',
        description: event.second
          ? `A second connector tried to speak for the browser and was refused: ${who}. ${why}${repeats}`
          : `A program tried to speak for the browser and was refused: ${who}. ${why}${repeats}`,
      };
    }
    case 'event/finding-raised': {
      const f = event.finding;
      if (f.severity === 'info') return null;
      const subject = f.subject ? ` (${f.subject})` : '';
      const kind: AutomaticIncidentKind =
        f.code === 'display-count'
          ? 'display-added'
          : f.code === 'password-manager' || f.code === 'password-manager-extension'
            ? 'password-manager'
            : f.code === 'remote-access' || f.code === 'screen-recorder' || f.code === 'other-browser'
              ? 'forbidden-program'
              : 'seat-finding';
      return { kind, description: `${f.message}${subject}` };
    }
    default:
      return null;
  }
}
