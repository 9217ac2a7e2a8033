/**
 * Displays, for real: X servers (Xorg, dummy driver) whose monitors are plugged and mirrored at
 * run time, read through systeminformation and xrandr by the running agent and by `invigil check`.
 */
import { afterAll, describe, expect, test } from 'vitest';
import {
  type AgentProcess,
  agentStatus,
  agentWorkspace,
  assertBuilt,
  runInvigil,
  startAgentProcess,
  waitFor,
} from '../../helpers/agent-cli.ts';
import { startXDisplay, type XDisplay } from '../../helpers/x-displays.ts';

type Status = {
  findings: { code: string; subject?: string; message: string }[];
  checks: { id: string; status: string; summary: string }[];
};

const running: { x: XDisplay; agent: AgentProcess; remove(): void }[] = [];
afterAll(async () => {
  for (const r of running) {
    await r.agent.stop();
    await r.x.stop();
    r.remove();
  }
});

/** A fresh X server with one monitor, and an agent watching it every 500 ms. */
async function seat(n: 90 | 91) {
  assertBuilt();
  const x = await startXDisplay(n);
  const ws = agentWorkspace();
  const agent = await startAgentProcess(ws, { intervals: { displaysMs: 500 } }, { DISPLAY: x.display });
  running.push({ x, agent, remove: ws.remove });
  const status = () => agentStatus(ws.socket);
  const displayLine = async () => (await status()).checks.find((c) => c.id === 'display-count');
  /** Waits until the agent reports exactly this display finding message. */
  const waitForFinding = (message: string) =>
    waitFor(`the agent to report "${message}"`, async () =>
      (await status()).findings.find((f) => f.code === 'display-count' && f.message === message),
    );
  const check = () => {
    const r = runInvigil(['check', '--json'], { DISPLAY: x.display });
    const out = JSON.parse(r.stdout) as Status & { ready: boolean };
    return { exit: r.status, ready: out.ready, line: out.checks.find((c) => c.id === 'display-count') };
  };
  return { x, displayLine, waitForFinding, check };
}

describe('displays', () => {
  test('one display passes; a second one plugged in blocks, and still blocks when switched off', async () => {
    const s = await seat(90);
    const line = await waitFor('the first display check', s.displayLine);
    expect(line.status).toBe('pass');
    expect(line.summary).toBe('1 display connected (1 allowed): DUMMY0.');
    expect(s.check().line?.status).toBe('pass');

    s.x.plug(1);
    const f = await s.waitForFinding('2 displays are connected and 1 is allowed: DUMMY1 is one too many.');
    expect(f.subject).toBe('DUMMY1');
    const c = s.check();
    expect(c.line?.status).toBe('fail');
    expect(c.ready).toBe(false);
    expect(c.exit).toBe(1);

    // Switched off is not unplugged: it can be switched on again in a second.
    s.x.switchOff(1);
    await s.waitForFinding(
      '2 displays are connected and 1 is allowed: DUMMY1 is one too many, switched off but connected.',
    );
  });

  test('mirroring the screen onto a second display blocks the seat', async () => {
    const s = await seat(91);
    expect((await waitFor('the first display check', s.displayLine)).status).toBe('pass');
    s.x.mirror(1);
    await s.waitForFinding(
      '2 displays are connected and 1 is allowed: DUMMY1 is one too many, showing the same picture as DUMMY0 (mirrored).',
    );
    expect(s.check().exit).toBe(1);
  });
});
