import { describe, expect, test } from 'vitest';
import { RefusalRecorder } from '../../../../kiosk-agent/seat/agent.ts';
import { LinkAdmission, type Refusal } from '../../../../kiosk-agent/seat/link-admission.ts';
import type { Client } from '../../../../kiosk-agent/seat/local-server.ts';

function client(
  id: number,
  ok: boolean,
  pid = 1000 + id,
): Client & { refusedWith: string | null; close(): void } {
  let closed = false;
  const c = {
    id,
    role: 'unknown' as const,
    extension: null,
    peer: {
      process: {
        pid,
        executable: '/usr/bin/node',
        argv: [],
        environment: null,
        parentPid: 1,
        uid: 0,
        user: 'root',
      },
      parent: null,
      verdict: ok
        ? { ok: true as const }
        : { ok: false as const, reason: 'it is not the installed native host' },
      micros: 1,
    },
    refusedWith: null as string | null,
    get closed() {
      return closed;
    },
    send() {},
    refuse(error: string) {
      c.refusedWith = error;
      closed = true;
    },
    close() {
      closed = true;
    },
  };
  return c;
}

describe('which connection speaks for the browser', () => {
  test('a genuine host is admitted at once; a forger is refused with the reason, and reported', () => {
    const refusals: Refusal[] = [];
    const a = new LinkAdmission('installed-host', (r) => refusals.push(r), 50);
    const host = client(1, true);
    let handled = 0;
    a.request(host, () => handled++);
    a.request(host, () => handled++);
    expect(handled).toBe(2);
    expect(a.linked()).toBe(host);

    const forger = client(2, false);
    a.request(forger, () => handled++);
    expect(handled).toBe(2);
    expect(forger.refusedWith).toMatch(
      /^refused: only the installed Invigil native host.*\(it is not the installed native host\)$/,
    );
    expect(refusals.map((r) => [r.client.id, r.second])).toEqual([[2, false]]);
    // A refused connection is never heard again.
    a.request(forger, () => handled++);
    expect(handled).toBe(2);
    expect(refusals).toHaveLength(1);
  });

  test('a second genuine host waits a moment; while the first is still there it is refused as a second connector', async () => {
    const refusals: Refusal[] = [];
    const a = new LinkAdmission('installed-host', (r) => refusals.push(r), 50);
    const first = client(1, true);
    a.request(first, () => {});
    const second = client(2, true);
    let handled = 0;
    a.request(second, () => handled++);
    a.request(second, () => handled++);
    await new Promise((r) => setTimeout(r, 100));
    expect(handled).toBe(0);
    expect(second.refusedWith).toMatch(
      /^refused: a second connector tried to speak for the browser \(a native host is already linked \(process 1001\)/,
    );
    expect(refusals.map((r) => r.second)).toEqual([true]);
    expect(a.linked()).toBe(first);
  });

  test('a browser restarting its host: the new one is admitted once the old one has gone', async () => {
    const a = new LinkAdmission(
      'installed-host',
      () => {
        throw new Error('nothing should be refused');
      },
      50,
    );
    const old = client(1, true);
    a.request(old, () => {});
    const fresh = client(2, true);
    let handled = 0;
    a.request(fresh, () => handled++);
    old.close();
    // Closing, it is still known as the one that spoke for the browser (the agent records its going).
    expect(a.holds(old)).toBe(true);
    expect(a.linked()).toBeNull();
    a.closed(old);
    expect(a.holds(old)).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(handled).toBe(1);
    expect(a.linked()).toBe(fresh);
  });

  test('with link.accept any, the peer is not judged, but still one at a time', async () => {
    const refusals: Refusal[] = [];
    const a = new LinkAdmission('any', (r) => refusals.push(r), 20);
    const first = client(1, false);
    let handled = 0;
    a.request(first, () => handled++);
    expect(handled).toBe(1);
    const second = client(2, false);
    a.request(second, () => handled++);
    await new Promise((r) => setTimeout(r, 60));
    expect(refusals.map((r) => r.second)).toEqual([true]);
  });
});

describe('refusal incidents from a program that retries', () => {
  test('one per kind of connector every 30 s, the ones between counted into the next', () => {
    const r = new RefusalRecorder(30_000);
    expect(r.record('a', 0)).toBe(0);
    expect(r.record('a', 1000)).toBeNull();
    expect(r.record('a', 2000)).toBeNull();
    expect(r.record('b', 2000)).toBe(0);
    expect(r.record('a', 31_000)).toBe(2);
  });
});
