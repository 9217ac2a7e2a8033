/** Rows to the views the dashboard and the record show (shared/schemas/invigilation-day.ts). */
import {
  durationText,
  handAnswerLabel,
  pauseReasonLabel,
} from '../../../shared/catalogs/invigilation-day.ts';
import type { HandView, PauseView } from '../../../shared/schemas/invigilation-day.ts';
import type { HandRow, PauseRow } from './rows.ts';

export function handView(h: HandRow): HandView {
  return {
    id: h.id,
    raisedAt: h.raisedAt,
    lastRaisedAt: h.lastRaisedAt,
    count: h.count,
    via: h.via,
    seatId: h.seatId,
    pcName: h.pcName,
    candidateName: h.candidateName,
    registrationNumber: h.registrationNumber,
    answeredAt: h.answeredAt,
    answeredBy: h.answeredBy,
    reason: h.reason,
    reasonLabel: h.reason ? handAnswerLabel(h.reason) : null,
    note: h.note,
  };
}

export function pauseView(p: PauseRow, now = Date.now()): PauseView {
  const ms = (p.endedAt ? Date.parse(p.endedAt) : now) - Date.parse(p.startedAt);
  return {
    id: p.id,
    sittingId: p.sittingId,
    scope: p.entryId ? 'seat' : 'room',
    entryId: p.entryId,
    candidateName: p.candidateName,
    pcName: p.pcName,
    reason: p.reason,
    reasonLabel: pauseReasonLabel(p.reason),
    note: p.note,
    startedAt: p.startedAt,
    startedBy: p.startedBy,
    endedAt: p.endedAt,
    endedBy: p.endedBy,
    durationSeconds: Math.max(0, Math.round(ms / 1000)),
    durationText: `${durationText(ms)}${p.endedAt ? '' : ' so far'}`,
  };
}
