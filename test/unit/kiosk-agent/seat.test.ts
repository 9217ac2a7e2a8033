import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { evaluateExtension } from '../../../kiosk-agent/checks/extension-report.ts';
import { agentFinding, checkResult } from '../../../kiosk-agent/checks/results.ts';
import { Outbox } from '../../../kiosk-agent/seat/outbox.ts';
import { findingChanges, SeatState } from '../../../kiosk-agent/seat/seat-state.ts';
import type { SeatEvent } from '../../../shared/schemas/events.ts';
import { sampleReport } from '../../helpers/agent-frames.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const dbFile = () => {
  const d = mkdtempSync(join(tmpdir(), 'invigil-outbox-'));
  dirs.push(d);
  return join(d, 'data', 'agent.sqlite');
};
const ev = (): SeatEvent => ({ id: randomUUID(), at: new Date().toISOString(), type: 'event/focus-lost' });

describe('the durable outbox (a real SQLite file)', () => {
  test('keeps events in order until acknowledged, across a reopen', () => {
    const file = dbFile();
    const a = [ev(), ev(), ev()];
    const box = new Outbox(file);
    expect(box.add(a)).toBe(3);
    box.acknowledge([a[0]?.id as string, 'unknown-id-123']);
    box.close();
    const again = new Outbox(file);
    expect(again.peek(10).map((e) => e.id)).toEqual([a[1]?.id, a[2]?.id]);
    expect(again.count()).toBe(2);
    again.close();
  });

  test('an id seen before is not stored again, even after it was acknowledged and deleted', () => {
    const box = new Outbox(dbFile());
    const e = ev();
    let added = 0;
    box.onAdded(() => added++);
    expect(box.add([e])).toBe(1);
    expect(box.add([e])).toBe(0);
    box.acknowledge([e.id]);
    expect(box.add([e])).toBe(0);
    expect(box.peek(10)).toEqual([]);
    expect(added).toBe(1);
    box.close();
  });

  test('finding changes and their events are stored together and remembered across a restart', () => {
    const file = dbFile();
    const box = new Outbox(file);
    const f = agentFinding('password-manager', 'KeePassXC is running.', { subject: 'KeePassXC' });
    const changes = findingChanges(new Map(), [f]);
    box.recordFindingChanges(changes.raised, changes.cleared, changes.events);
    box.close();
    const again = new Outbox(file);
    const active = again.activeFindings();
    expect([...active.values()]).toEqual([f]);
    // Still running after the restart: nothing new to say. Gone: one "cleared".
    expect(findingChanges(active, [f]).events).toEqual([]);
    const gone = findingChanges(active, []);
    expect(gone.events).toEqual([
      expect.objectContaining({
        type: 'event/finding-cleared',
        code: 'password-manager',
        subject: 'KeePassXC',
      }),
    ]);
    expect(again.peek(10).map((e) => e.type)).toEqual(['event/finding-raised']);
    again.close();
  });
});

describe("the seat's status", () => {
  test('severity overrides from the config change what a finding means for the seat', () => {
    const vm = agentFinding('virtual-machine', 'This PC is a virtual machine (KVM).', { subject: 'KVM' });
    const lines = [checkResult('virtual-machine', 'This PC is a physical machine', [vm], '')];
    const relaxed = new SeatState({}, ['slow']);
    relaxed.set('slow', lines);
    expect(relaxed.status({ linked: false, reportAgeSeconds: null }).state).toBe('attention');
    const strict = new SeatState({ 'virtual-machine': 'block' }, ['slow']);
    strict.set('slow', lines);
    const s = strict.status({ linked: false, reportAgeSeconds: null });
    expect(s.state).toBe('not-ready');
    expect(s.findings[0]?.severity).toBe('block');
  });

  test('the extension: silent blocks, three missed heartbeats are silence, its failed checks become findings', () => {
    const now = Date.now();
    const never = evaluateExtension({ linked: false }, now, true);
    expect(never.line.findings.map((f) => [f.code, f.severity])).toEqual([['extension-silent', 'block']]);

    const report = sampleReport({ heartbeatSeconds: 5 });
    expect(evaluateExtension({ report, receivedAt: now - 14_000, linked: true }, now, true).line.status).toBe(
      'pass',
    );
    const stale = evaluateExtension({ report, receivedAt: now - 16_000, linked: false }, now, true);
    expect(stale.line.findings[0]?.message).toBe(
      'The Invigil extension has not reported for over 15 s (this seat expects a report every 5 s) and is not connected.',
    );
    // The report's own heartbeat is not believed: a forged one claiming 60 s is silent after the seat's 15 s.
    const forged = sampleReport({ heartbeatSeconds: 60 });
    const open = evaluateExtension({ report: forged, receivedAt: now - 16_000, linked: true }, now, true, 5);
    expect(open.line.findings[0]?.message).toBe(
      'The Invigil extension has not reported for over 15 s (this seat expects a report every 5 s), though its connection is open.',
    );
    // A seat deployed with a 20 s heartbeat allows 60 s.
    expect(
      evaluateExtension({ report, receivedAt: now - 50_000, linked: true }, now, true, 20).line.status,
    ).toBe('pass');

    const failing = sampleReport({
      checks: [
        {
          id: 'password-saving',
          title: 'Password saving is off',
          status: 'fail',
          summary: 'The browser can save passwords.',
          findings: [
            { code: 'password-saving-on', severity: 'block', message: 'The browser can save passwords.' },
          ],
        },
        {
          id: 'downloads',
          title: 'Downloads are blocked',
          status: 'error',
          summary: 'chrome.downloads is unavailable',
          findings: [],
        },
      ],
    });
    const e = evaluateExtension({ report: failing, receivedAt: now, linked: true }, now, true);
    expect(
      e.reportChecks.flatMap((c) => c.findings).map((f) => [f.code, f.source, f.subject ?? null]),
    ).toEqual([
      ['password-saving-on', 'extension', null],
      ['check-error', 'extension', 'downloads'],
    ]);
    expect(evaluateExtension({ linked: false }, now, false).line.status).toBe('pass');
  });
});
