/**
 * Notices: PCs asking to replace an enrolled seat (a coordinator approves or refuses each), and seats
 * whose connections were refused again and again. What a PC sent (its name, address, user agent) is
 * shown as text.
 */
import { useEffect, useState } from 'preact/hooks';
import type { MeResponse, NoticesResponse, ReplacementView } from '../../../shared/schemas/console-api.ts';
import { call } from '../api.ts';
import { Dialog, ErrorLine, PageHeader } from '../components.tsx';
import { dateTime } from '../format.ts';
import { useLive } from '../live.ts';

/** The notices, refetched whenever the console says they changed. */
export function useNotices(enabled: boolean, version: number): NoticesResponse | null {
  const [notices, setNotices] = useState<NoticesResponse | null>(null);
  useEffect(() => {
    if (!enabled) return;
    call('listNotices').then(setNotices, () => undefined);
  }, [enabled, version]);
  return notices;
}

export function noticeCount(n: NoticesResponse | null): number {
  return n ? n.replacements.length + n.refusals.length : 0;
}

const DECISION: Record<ReplacementView['status'], string> = {
  pending: 'Waiting',
  approved: 'Approved',
  refused: 'Refused',
  superseded: 'Another PC was approved',
};

function From({ r }: { r: ReplacementView }) {
  return (
    <>
      <span class="nowrap">{r.address}</span>
      <div class="muted small">{r.userAgent ?? 'sent no user agent'}</div>
    </>
  );
}

export function NoticesPage({ me }: { me: MeResponse }) {
  const live = useLive();
  const notices = useNotices(true, live.noticesVersion);
  const [confirm, setConfirm] = useState<{ request: ReplacementView; decision: 'approve' | 'refuse' } | null>(
    null,
  );
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const isCoordinator = me.invigilator.role === 'coordinator';
  if (!notices) return <p class="loading">Loading…</p>;
  const empty = notices.replacements.length === 0 && notices.refusals.length === 0;
  return (
    <section id="notices">
      <PageHeader title="Notices" />
      <ErrorLine error={error} />
      {done ? (
        <p class="banner ok" role="status">
          {done}
        </p>
      ) : null}
      {empty ? (
        <div class="empty">
          <h2>Nothing needs attention</h2>
          <p>
            A PC asking to replace an enrolled PC, and connections refused again and again for a seat, appear
            here.
          </p>
        </div>
      ) : null}

      {notices.replacements.length > 0 ? (
        <div class="card" id="replacement-requests">
          <h2>PCs asking to replace an enrolled PC ({notices.replacements.length})</h2>
          <p>
            Another PC enrolled with the name of a PC that is already enrolled. It cannot report as that seat
            until a coordinator approves it, and the PC enrolled before keeps reporting meanwhile. Approve
            only a PC you know replaced that one (re-installed, new hardware); approving disconnects the PC
            that reports as that seat now, for good.
          </p>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">PC name</th>
                <th scope="col">Asked at</th>
                <th scope="col">From (address, user agent)</th>
                <th scope="col">Decision</th>
              </tr>
            </thead>
            <tbody>
              {notices.replacements.map((r) => (
                <tr key={r.id} data-request={r.id}>
                  <td class="nowrap">{r.pcName}</td>
                  <td class="nowrap">{dateTime(r.requestedAt)}</td>
                  <td class="wrap">
                    <From r={r} />
                  </td>
                  <td class="nowrap">
                    {isCoordinator ? (
                      <>
                        <button
                          type="button"
                          class="button small primary"
                          data-action="approve"
                          aria-label={`Approve the PC at ${r.address} as ${r.pcName}`}
                          onClick={() => setConfirm({ request: r, decision: 'approve' })}
                        >
                          Approve
                        </button>{' '}
                        <button
                          type="button"
                          class="button small"
                          data-action="refuse"
                          aria-label={`Refuse the PC at ${r.address} as ${r.pcName}`}
                          onClick={() => setConfirm({ request: r, decision: 'refuse' })}
                        >
                          Refuse
                        </button>
                      </>
                    ) : (
                      <span class="muted">A coordinator decides</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}

      {notices.refusals.length > 0 ? (
        <div class="card" id="refused-connections">
          <h2>Connections refused again and again ({notices.refusals.length})</h2>
          <p>
            Something keeps trying to report as these seats with a wrong or revoked credential: a PC that was
            replaced, or someone guessing. Each is also an incident on the seat.
          </p>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">PC</th>
                <th scope="col">Refused</th>
                <th scope="col">First and last</th>
                <th scope="col">From</th>
                <th scope="col">
                  <span class="visually-hidden">Dismiss</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {notices.refusals.map((n) => (
                <tr key={n.id} data-notice={n.id}>
                  <td class="nowrap">{n.pcName}</td>
                  <td class="nowrap">{n.count === 1 ? 'once' : `${n.count} times`}</td>
                  <td class="nowrap">
                    {dateTime(n.firstAt)} to {dateTime(n.lastAt)}
                  </td>
                  <td class="wrap">{n.addresses.join(', ')}</td>
                  <td>
                    <button
                      type="button"
                      class="button small ghost"
                      aria-label={`Dismiss the notice about ${n.pcName}`}
                      onClick={async () => {
                        setError(null);
                        try {
                          await call('dismissNotice', { params: { id: n.id } });
                        } catch (err) {
                          setError((err as Error).message);
                        }
                      }}
                    >
                      Dismiss
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}

      {notices.decided.length > 0 ? (
        <>
          <h2>Decided lately</h2>
          <table class="table" id="decided-requests">
            <thead>
              <tr>
                <th scope="col">PC name</th>
                <th scope="col">Asked at</th>
                <th scope="col">From</th>
                <th scope="col">Decision</th>
              </tr>
            </thead>
            <tbody>
              {notices.decided.map((r) => (
                <tr key={r.id}>
                  <td class="nowrap">{r.pcName}</td>
                  <td class="nowrap">{dateTime(r.requestedAt)}</td>
                  <td class="wrap">
                    <From r={r} />
                  </td>
                  <td>
                    {DECISION[r.status]}
                    {r.decidedBy ? ` by ${r.decidedBy}` : ''}
                    {r.decidedAt ? `, ${dateTime(r.decidedAt)}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}

      {confirm ? (
        <Dialog
          title={
            confirm.decision === 'approve'
              ? `Approve this PC as ${confirm.request.pcName}?`
              : `Refuse this PC as ${confirm.request.pcName}?`
          }
          onClose={() => setConfirm(null)}
        >
          <p>
            The PC at <strong>{confirm.request.address}</strong> (
            {confirm.request.userAgent ?? 'it sent no user agent'}), which asked at{' '}
            {dateTime(confirm.request.requestedAt)}.
          </p>
          <p>
            {confirm.decision === 'approve'
              ? `It will report as ${confirm.request.pcName} from now on. The PC reporting as ${confirm.request.pcName} now is disconnected and its credential stops working.`
              : `Its credential will never work. ${confirm.request.pcName} keeps reporting as it does now.`}
          </p>
          <div class="dialog-actions">
            <button type="button" class="button ghost" onClick={() => setConfirm(null)}>
              Cancel
            </button>
            <button
              type="button"
              class="button primary"
              id="confirm-decision"
              onClick={async () => {
                const { request, decision } = confirm;
                setConfirm(null);
                setError(null);
                try {
                  await call(decision === 'approve' ? 'approveReplacement' : 'refuseReplacement', {
                    params: { id: request.id },
                  });
                  setDone(
                    decision === 'approve'
                      ? `Approved: the PC at ${request.address} reports as ${request.pcName} now.`
                      : `Refused: the PC at ${request.address} cannot report as ${request.pcName}.`,
                  );
                } catch (err) {
                  setError((err as Error).message);
                }
              }}
            >
              {confirm.decision === 'approve' ? 'Approve' : 'Refuse'}
            </button>
          </div>
        </Dialog>
      ) : null}
    </section>
  );
}
