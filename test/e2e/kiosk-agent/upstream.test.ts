/**
 * The agent's side of the console link, through a small in-test UpstreamLink (the real console link
 * is wired in at integration): the outbox it is given, status changes, and instructions carried to
 * the extension through a real native host process and acknowledged only when carried out.
 */

import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../../../kiosk-agent/config.ts';
import { type RunningAgent, startAgent } from '../../../kiosk-agent/seat/agent.ts';
import { agentWorkspace, assertBuilt, waitFor } from '../../helpers/agent-cli.ts';
import { focusLost, hello, sampleReport, startHost } from '../../helpers/agent-frames.ts';
import { RecordingUpstream } from '../../helpers/agent-upstream.ts';

beforeAll(assertBuilt);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function agentWithUpstream() {
  const ws = agentWorkspace();
  cleanups.push(ws.remove);
  const upstream = new RecordingUpstream();
  // The test plays the browser (it starts the host itself): any connector is accepted here.
  const config = parseConfig(
    JSON.stringify({ socketPath: ws.socket, dataDir: ws.dataDir, link: { accept: 'any' } }),
  );
  const agent: RunningAgent = await startAgent({
    config,
    upstream,
    log: pino({ level: 'silent' }),
    version: '9.9.9',
  });
  cleanups.push(() => agent.stop());
  const host = startHost({ socket: ws.socket });
  cleanups.push(() => host.close());
  host.send(hello);
  await host.next((m) => m.type === 'link/status' && m.agent === 'connected');
  return { agent, upstream, host, socket: ws.socket };
}

describe('the agent and its upstream link', () => {
  test("the link gets the outbox with the agent's and the extension's events, and what it acknowledges is gone", async () => {
    const { agent, upstream, host } = await agentWithUpstream();
    const events = [focusLost()];
    host.send({ type: 'event/batch', events });
    await host.next((m) => m.type === 'event/ack');
    const drained = upstream.drain();
    const types = drained.map((e) => e.type);
    expect(types).toContain('event/agent-started');
    expect(types).toContain('event/extension-link');
    expect(drained.find((e) => e.type === 'event/agent-started')).toMatchObject({ version: '9.9.9' });
    expect(drained.some((e) => e.id === events[0]?.id)).toBe(true);
    expect(agent.outbox.peek(500).filter((e) => drained.some((d) => d.id === e.id))).toEqual([]);
    expect(upstream.statusChanges).toBeGreaterThan(0);
    expect(upstream.deps?.currentStatus().extension.linked).toBe(true);
  });

  test('a message for the candidate reaches the extension, and counts as done only when the extension acknowledges it', async () => {
    const { upstream, host } = await agentWithUpstream();
    let done = false;
    const shown = upstream
      .instruct({
        type: 'instruction/show-message',
        instructionId: 'msg-00000001',
        text: 'Ten minutes left.',
      })
      .then(() => {
        done = true;
      });
    const m = await host.next((x) => x.type === 'seat/message');
    expect(m).toEqual({ type: 'seat/message', instructionId: 'msg-00000001', text: 'Ten minutes left.' });
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    host.send({ type: 'instruction/ack', instructionId: 'msg-00000001' });
    await shown;
    expect(done).toBe(true);
  });

  test('a gate instruction reaches the extension and is done when its report shows the gate', async () => {
    const { upstream, host } = await agentWithUpstream();
    let done = false;
    const released = upstream
      .instruct({
        type: 'instruction/gate',
        instructionId: 'gate-0000001',
        state: 'released',
        candidateName: 'A. Candidate',
      })
      .then(() => {
        done = true;
      });
    expect(await host.next((x) => x.type === 'seat/gate')).toEqual({
      type: 'seat/gate',
      state: 'released',
      candidateName: 'A. Candidate',
    });
    host.send({ type: 'report/compliance', report: sampleReport({ gate: 'held' }) });
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    host.send({ type: 'report/compliance', report: sampleReport({ gate: 'released', sequence: 2 }) });
    await released;
    await waitFor(
      'the status to show the report',
      () => (upstream.deps?.currentStatus().extension.reportAgeSeconds ?? null) !== null,
    );
  });

  test('an instruction sent while no extension is connected is delivered when one connects', async () => {
    const { upstream, host, socket } = await agentWithUpstream();
    await host.close();
    await waitFor(
      'the agent to see the extension go',
      () => upstream.deps?.currentStatus().extension.linked === false,
    );
    const shown = upstream.instruct({
      type: 'instruction/show-message',
      instructionId: 'msg-00000002',
      text: 'Please wait.',
    });
    const again = startHost({ socket });
    cleanups.push(() => again.close());
    again.send(hello);
    expect(await again.next((x) => x.type === 'seat/message')).toMatchObject({
      instructionId: 'msg-00000002',
    });
    again.send({ type: 'instruction/ack', instructionId: 'msg-00000002' });
    await shown;
  });
});
