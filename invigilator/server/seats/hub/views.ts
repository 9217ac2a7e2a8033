/**
 * What the seat map shows of a seat (`SeatView`): its state in words with the reasons, from what this
 * process knows (a seat it holds) or what another process last wrote (a seat held there, issue 12).
 * Fail closed: a seat no process holds a live connection for is Offline; one not being read is Not ready.
 */
import { FINDINGS } from '../../../../shared/catalogs/findings.ts';
import { readiness } from '../../../../shared/rules/readiness.ts';
import type { SeatView } from '../../../../shared/schemas/console-api.ts';
import type { SeatStatus } from '../../../../shared/schemas/protocol.ts';
import type { HubState } from './hub-state.ts';
import { clockTime, untilMs } from './live-seat.ts';

export function seatView(h: HubState, id: string): SeatView | undefined {
  const s = h.seats.get(id);
  if (!s) return undefined;
  const a = h.assignments.get(id);
  const gate = h.gates.get(id);
  const message = h.messages.get(id);
  // Held by another process (issue 12): shown as that process last wrote it.
  const away = !s.socket ? s.elsewhere : null;
  const now = Date.now();
  // Fail closed: a seat no process holds a live connection for is shown Offline at once (its incident
  // waits: the holder records it after 3 s of silence, or another process after the grace).
  const offline = away ? away.offlineSince !== null || !away.connected : s.offline;
  const pausedUntil = away ? untilMs(away.floodingUntil, now) : s.pausedUntil;
  const sharedUntil = away ? untilMs(away.sharedUntil, now) : s.sharedUntil;
  let state: SeatView['state'];
  let reasons: SeatView['reasons'];
  if (offline) {
    state = 'offline';
    reasons = [
      {
        code: 'seat-offline',
        severity: 'block',
        message: away
          ? away.offlineSince !== null
            ? 'The seat has stopped reporting: check the PC is on and the Invigil agent is running.'
            : 'The seat’s connection to another console process has ended; waiting for it to reconnect.'
          : s.lastSeenAt
            ? 'The seat has stopped reporting: check the PC is on and the Invigil agent is running.'
            : 'The seat has not connected since the console started.',
      },
    ];
  } else if (pausedUntil > 0) {
    // Fail closed: the console is not reading this seat's reports, so it cannot say it is Ready.
    state = 'not-ready';
    reasons = [
      {
        code: 'seat-flooding',
        severity: 'block',
        message: `This PC sent more than the console accepts from one PC; the console is not reading its reports until ${clockTime(pausedUntil)}.`,
      },
    ];
  } else if (!s.status) {
    state = 'not-ready';
    reasons = [{ code: 'no-status', severity: 'block', message: 'Waiting for the seat’s first report.' }];
  } else {
    state = seatReadiness(s.status);
    reasons = s.status.findings
      .filter((f) => f.severity !== 'info')
      .sort((x, y) => (x.severity === y.severity ? 0 : x.severity === 'block' ? -1 : 1))
      .map((f) => ({
        code: f.code,
        severity: f.severity,
        message: f.message,
        ...(f.subject ? { subject: f.subject } : {}),
      }));
    // The console does not trust an absence: no linked extension is Not ready, said or not.
    if (unlinkedUnsaid(s.status))
      reasons.unshift({
        code: 'extension-not-linked',
        severity: 'block',
        message: `${FINDINGS['extension-not-linked'].title}.`,
      });
  }
  if (state !== 'offline' && sharedUntil > now) {
    state = 'not-ready';
    reasons.unshift({
      code: 'credential-shared',
      severity: 'block',
      message: `${FINDINGS['credential-shared'].title} (until ${clockTime(sharedUntil)}; see the incident).`,
    });
  }
  return {
    id: s.seat.id,
    siteId: s.seat.siteId,
    pcName: s.seat.pcName,
    place: s.seat.place,
    state,
    reasons,
    connected: s.socket !== null || (away?.connected ?? false),
    extensionLinked: s.status ? s.status.extension.linked : null,
    statusAt: s.statusAt,
    lastSeenAt: s.lastSeenAt,
    candidate: a
      ? {
          sittingId: a.sittingId,
          entryId: a.entryId,
          name: a.candidateName,
          registrationNumber: a.registrationNumber,
          identityConfirmed: a.identityConfirmed,
        }
      : null,
    gate: gate
      ? {
          state: gate.payload.state === 'released' ? 'released' : 'held',
          instructionId: gate.id,
          ackedAt: gate.ackedAt,
        }
      : null,
    lastMessage: message
      ? { instructionId: message.id, sentAt: message.createdAt, ackedAt: message.ackedAt }
      : null,
    hand: h.handsAndPauses.hand(id),
    pause: h.handsAndPauses.pause(a),
  };
}

export function seatViews(h: HubState, centreId: string): SeatView[] {
  const out: SeatView[] = [];
  for (const id of h.seatIds(centreId)) {
    const v = seatView(h, id);
    if (v) out.push(v);
  }
  return out.sort((a, b) => a.pcName.localeCompare(b.pcName, undefined, { numeric: true }));
}

/** An unlinked extension that no `extension-silent` finding already reports. */
function unlinkedUnsaid(status: SeatStatus): boolean {
  return (
    !status.extension.linked &&
    !status.findings.some((f) => f.code === 'extension-silent' && f.severity === 'block')
  );
}

/** Readiness from the findings alone (shared/rules/readiness.ts), and Not ready without a linked extension. */
export function seatReadiness(status: SeatStatus): 'ready' | 'attention' | 'not-ready' {
  if (!status.extension.linked) return 'not-ready';
  return readiness(status.findings).state;
}
