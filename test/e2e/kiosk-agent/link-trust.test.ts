/**
 * Issue 9's attacks on the seat's local link, replayed against real processes: a real console, a
 * real agent enrolled to it and run as the service runs it (root, seat group `nogroup`,
 * `--socket-access group`), and the candidate as `nobody` in that group with a program of its own
 * (test/helpers/agent-forger.mjs) on the agent's socket. Nothing here needs a browser: the genuine
 * browser's side is in link-trust-browser.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { agentStatus, assertBuilt, waitFor } from '../../helpers/agent-cli.ts';
import { hello, sampleReport } from '../../helpers/agent-frames.ts';
import {
  asCandidate,
  type CandidateProcess,
  FORGER,
  type SeatRig,
  startSeatRig,
} from '../../helpers/agent-seat.ts';
import { startXDisplay, type XDisplay } from '../../helpers/x-displays.ts';

let x: XDisplay;
let rig: SeatRig;
const candidates: CandidateProcess[] = [];

beforeAll(async () => {
  assertBuilt();
  x = await startXDisplay(93);
  rig = await startSeatRig({}, { DISPLAY: x.display });
  // Before anything is forged: no browser, so the seat is Not ready for want of the extension's report.
  await waitFor('the first round of checks', async () => {
    const s = await agentStatus(rig.socket);
    return s.findings.some((f) => f.code === 'extension-silent') ? s : undefined;
  });
}, 120_000);

afterEach(async () => {
  for (const c of candidates.splice(0)) await c.stop();
});

afterAll(async () => {
  await rig?.stop();
  await x?.stop();
});

function messagesFile(name: string, messages: unknown[]): string {
  const file = join(rig.dir, name);
  writeFileSync(file, JSON.stringify(messages), { mode: 0o644 });
  return file;
}

const forgedReport = (heartbeatSeconds = 1) => ({
  type: 'report/compliance',
  report: sampleReport({ heartbeatSeconds }),
});

/** Samples the seat's status for `ms`: whether it was ever shown linked, or Ready. */
async function watchSeat(ms: number): Promise<{ everLinked: boolean; everReady: boolean }> {
  let everLinked = false;
  let everReady = false;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const s = await agentStatus(rig.socket);
    everLinked ||= s.extension.linked;
    everReady ||= s.state === 'ready';
    await new Promise((r) => setTimeout(r, 200));
  }
  return { everLinked, everReady };
}

test("a program the candidate runs cannot pose as the browser's host: refused, and an incident on the console names it", async () => {
  const file = messagesFile('forged.json', [
    { type: 'socket/hello', role: 'native-host', pid: 1 },
    hello,
    forgedReport(),
  ]);
  const forger = asCandidate([FORGER, rig.socket, file, '--every', '500']);
  candidates.push(forger);
  await forger.next((m) => m.connected === true);
  const seen = await watchSeat(4000);
  expect(seen).toEqual({ everLinked: false, everReady: false });
  // The agent told it why and closed the connection.
  const refusal = await forger.next(
    (m) => (m.received as { type?: string } | undefined)?.type === 'link/error',
  );
  expect(String((refusal.received as { error: string }).error)).toMatch(/refused/);
  await forger.next((m) => m.closed === true);

  const incident = await waitFor(
    'the refusal to reach the console as an incident',
    async () => (await rig.incidents()).find((i) => i.kind === 'connector-refused'),
    15_000,
  );
  expect(incident.description).toContain(`process ${forger.pid}`);
  expect(incident.description).toContain(process.execPath);
  expect(incident.description).toMatch(/user nobody/);
});

test('a forged report that claims a long heartbeat keeps nothing Ready once its sender stops', async () => {
  const file = messagesFile('forged-60.json', [
    { type: 'socket/hello', role: 'native-host', pid: 1 },
    hello,
    forgedReport(60),
  ]);
  const forger = asCandidate([FORGER, rig.socket, file]);
  candidates.push(forger);
  await forger.next((m) => m.sent !== undefined);
  await new Promise((r) => setTimeout(r, 1000));
  await forger.stop();
  // The seat's own config (the default heartbeat of 5 s, three missed) decides, never the report.
  const seen = await watchSeat(3000);
  expect(seen.everReady).toBe(false);
  const s = await agentStatus(rig.socket);
  expect(s.state).toBe('not-ready');
  expect(s.findings.some((f) => f.code === 'extension-silent')).toBe(true);
});

test('a deeply nested event batch from the candidate does not end the agent', async () => {
  const depth = 150_000;
  const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const raw = join(rig.dir, 'deep.json');
  writeFileSync(
    raw,
    `{"type":"event/batch","events":[{"id":"00000000-0000-4000-8000-000000000001","at":"2026-01-01T00:00:00.000Z","type":${deep}}]}`,
    { mode: 0o644 },
  );
  const forger = asCandidate([FORGER, rig.socket, messagesFile('none.json', []), '--raw', raw]);
  candidates.push(forger);
  const answer = await forger.next(
    (m) => (m.received as { type?: string } | undefined)?.type === 'link/error' || m.closed === true,
  );
  expect(String((answer.received as { error?: string } | undefined)?.error ?? '')).toMatch(/nests more than/);
  // Still serving.
  await new Promise((r) => setTimeout(r, 500));
  expect(rig.agent.exitCode).toBeNull();
  expect((await agentStatus(rig.socket)).state).toBeDefined();
});
