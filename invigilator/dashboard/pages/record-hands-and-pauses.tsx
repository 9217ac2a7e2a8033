/**
 * The invigilation record's raised hands and pauses (issue 13): each hand with how and when it was
 * answered; each pause with its start, end and duration, so any time given back is justified.
 */
import type { InvigilationRecord } from '../../../shared/schemas/console-api.ts';
import { clock } from '../format.ts';

export function RecordHandsAndPauses({ record }: { record: InvigilationRecord }) {
  const hands = record.hands ?? [];
  const pauses = record.pauses ?? [];
  return (
    <>
      <h2>Raised hands ({hands.length})</h2>
      {hands.length === 0 ? (
        <p>No hands raised.</p>
      ) : (
        <table class="table record-table" id="record-hands">
          <thead>
            <tr>
              <th scope="col">Raised</th>
              <th scope="col">PC</th>
              <th scope="col">Candidate</th>
              <th scope="col">Answered</th>
              <th scope="col">Reason</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {hands.map((h) => (
              <tr key={h.id}>
                <td class="nowrap">
                  {clock(h.raisedAt)}
                  <div class="small">
                    {h.via === 'shortcut' ? 'keyboard shortcut' : 'Raise hand button'}
                    {h.count > 1 ? `, ${h.count} times` : ''}
                  </div>
                </td>
                <td class="nowrap">{h.pcName ?? '—'}</td>
                <td>{h.candidateName ?? '—'}</td>
                <td class="nowrap">{h.answeredAt ? clock(h.answeredAt) : 'Not answered'}</td>
                <td class="wrap">
                  {h.reasonLabel ?? '—'}
                  {h.note ? <div class="small">{h.note}</div> : null}
                </td>
                <td>{h.answeredBy ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Pauses ({pauses.length})</h2>
      {pauses.length === 0 ? (
        <p>No pauses.</p>
      ) : (
        <table class="table record-table" id="record-pauses">
          <thead>
            <tr>
              <th scope="col">Paused</th>
              <th scope="col">Resumed</th>
              <th scope="col">Length</th>
              <th scope="col">Who was paused</th>
              <th scope="col">Reason</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {pauses.map((p) => (
              <tr key={p.id}>
                <td class="nowrap">{clock(p.startedAt)}</td>
                <td class="nowrap">{p.endedAt ? clock(p.endedAt) : 'Still paused'}</td>
                <td class="nowrap">{p.durationText}</td>
                <td>
                  {p.scope === 'room'
                    ? 'The whole room'
                    : `${p.candidateName ?? 'A candidate'}${p.pcName ? ` at ${p.pcName}` : ''}`}
                </td>
                <td class="wrap">
                  {p.reasonLabel}
                  {p.note ? <div class="small">{p.note}</div> : null}
                </td>
                <td>
                  {p.startedBy ?? '—'}
                  {p.endedBy ? <div class="small">resumed by {p.endedBy}</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
