/**
 * The native-messaging link end to end, with real processes: `invigil agent` on a private socket
 * and data folder, `invigil native-host` started as Chromium starts it, real frames on its stdin
 * and stdout, and the agent's SQLite file read back.
 */
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  type AgentProcess,
  agentOutbox,
  agentStatusReply,
  agentWorkspace,
  assertBuilt,
  startAgentProcess,
  waitFor,
} from '../../helpers/agent-cli.ts';
import {
  connectAgentSocket,
  focusLost,
  frame,
  hello,
  sampleReport,
  startHost,
} from '../../helpers/agent-frames.ts';

beforeAll(assertBuilt);

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const storedEvents = (dbFile: string) => agentOutbox(dirname(dbFile));
/**
 * These tests play the browser themselves (they start `invigil native-host` directly), so the agent
 * accepts any connector here; who may connect on a real seat is test/e2e/kiosk-agent/link-trust*.test.ts.
 */
const ANY_CONNECTOR = { link: { accept: 'any' } };

async function setup(withAgent = true) {
  const ws = agentWorkspace();
  cleanups.push(ws.remove);
  let agent: AgentProcess | null = null;
  if (withAgent) {
    agent = await startAgentProcess(ws, ANY_CONNECTOR);
    cleanups.push(() => agent?.stop());
  }
  const host = startHost({ socket: ws.socket });
  cleanups.push(() => host.close());
  return { ws, agent, host, dbFile: `${ws.dataDir}/agent.sqlite` };
}

const isAck = (ids: string[]) => (m: Record<string, unknown>) =>
  m.type === 'event/ack' && ids.every((id) => (m.ids as string[]).includes(id));

describe('the extension and the agent, through invigil native-host', () => {
  test("the extension's report reaches the agent, and its events are acknowledged once stored", async () => {
    const { ws, host, dbFile } = await setup();
    host.send(hello);
    await host.next((m) => m.type === 'link/status' && m.agent === 'connected');
    host.send({ type: 'report/compliance', report: sampleReport() });
    const status = await waitFor('the agent to have the report', async () => {
      const s = await agentStatusReply(ws.socket);
      return s.status.extension.reportAgeSeconds !== null ? s : undefined;
    });
    expect(status.status.extension.linked).toBe(true);
    expect(status.status.checks.find((c) => c.id === 'extension')?.status).not.toBe('error');
    expect(status.status.checks.some((c) => c.id === 'site-blocking')).toBe(true);

    const events = [focusLost(), focusLost(), focusLost()];
    host.send({ type: 'event/batch', events });
    await host.next(isAck(events.map((e) => e.id)));
    const stored = storedEvents(dbFile).filter((e) => e.type === 'event/focus-lost');
    expect(stored.map((e) => e.id)).toEqual(events.map((e) => e.id));

    // The browser closing the link is recorded (an incident on the console: the browser stopped reporting).
    await host.close();
    await waitFor('the agent to record the link going', () =>
      storedEvents(dbFile).some((e) => e.type === 'event/extension-link' && !e.connected),
    );
  });

  test('with the agent down the extension hears "unavailable" and nothing is acknowledged; then it reconnects', async () => {
    const ws = agentWorkspace();
    cleanups.push(ws.remove);
    const host = startHost({ socket: ws.socket });
    cleanups.push(() => host.close());
    host.send(hello);
    const down = await host.next((m) => m.type === 'link/status' && m.agent === 'unavailable');
    expect(String(down.detail)).toMatch(/not reachable/);
    const events = [focusLost()];
    host.send({ type: 'event/batch', events });
    // Give a wrong ack every chance to arrive before saying there is none.
    await new Promise((r) => setTimeout(r, 1500));
    expect(host.received.some((m) => m.type === 'event/ack')).toBe(false);

    const agent = await startAgentProcess(ws, ANY_CONNECTOR);
    cleanups.push(() => agent.stop());
    await host.next((m) => m.type === 'link/status' && m.agent === 'connected');
    // The extension resends what was never acknowledged.
    host.send({ type: 'event/batch', events });
    await host.next(isAck(events.map((e) => e.id)));
    expect(storedEvents(`${ws.dataDir}/agent.sqlite`).filter((e) => e.id === events[0]?.id)).toHaveLength(1);
  });

  test('acknowledged events survive kill -9 and a restart, and a resent event is not stored twice', async () => {
    const { ws, host, dbFile, agent } = await setup();
    host.send(hello);
    await host.next((m) => m.type === 'link/status' && m.agent === 'connected');
    const first = [focusLost(), focusLost()];
    host.send({ type: 'event/batch', events: first });
    await host.next(isAck(first.map((e) => e.id)));

    const mark = host.received.length;
    await agent?.kill9();
    await host.next((m) => m.type === 'link/status' && m.agent === 'unavailable', 20_000, mark);

    const again = await startAgentProcess(ws, ANY_CONNECTOR);
    cleanups.push(() => again.stop());
    await host.next((m) => m.type === 'link/status' && m.agent === 'connected', 20_000, mark);
    const second = [focusLost()];
    // As if our first ack had been lost: the extension sends the first batch again, then a new one.
    host.send({ type: 'event/batch', events: first });
    host.send({ type: 'event/batch', events: second });
    await host.next(isAck(second.map((e) => e.id)), 20_000, mark);
    await host.next(isAck(first.map((e) => e.id)), 20_000, mark);

    const ids = storedEvents(dbFile).map((e) => e.id);
    for (const e of [...first, ...second]) expect(ids.filter((id) => id === e.id)).toHaveLength(1);
    const types = storedEvents(dbFile).map((e) => e.type);
    expect(types.filter((t) => t === 'event/agent-started')).toHaveLength(2);
    expect(types).toContain('event/extension-link');
  });
});

describe('bad input at the native host', () => {
  const lines = (s: string) => s.split('\n').filter(Boolean);

  test('a malformed message gets an error naming the problem, and the host keeps serving', async () => {
    const { host, dbFile } = await setup();
    host.sendRaw(frame('{"type": "link/hello", '));
    const notJson = await host.next((m) => m.type === 'link/error');
    expect(String(notJson.error)).toMatch(/message 1 is not valid JSON/);

    host.send({ type: 'report/compliance', report: { ...sampleReport(), heartbeatSeconds: '5' } });
    const badField = await host.next(
      (m) => m.type === 'link/error' && String(m.error).includes('heartbeatSeconds'),
    );
    expect(badField.error).toMatch(/report\.heartbeatSeconds must be a number/);
    expect(badField.inReplyTo).toBe('report/compliance');

    host.send({ type: 'files/upload', path: '/etc/shadow' });
    const unknown = await host.next(
      (m) => m.type === 'link/error' && String(m.error).includes('files/upload'),
    );
    expect(unknown.error).toMatch(/type "files\/upload" is not one this side knows/);

    host.sendRaw(frame(Buffer.from([0xff, 0xfe, 0x00]).toString('latin1')));
    for (let i = 0; i < 20; i++) host.sendRaw(frame(randomBytes(1 + (i % 7) * 13).toString('base64')));

    // Still serving: a good hello and a good batch go through, and the batch is stored.
    host.send(hello);
    await host.next((m) => m.type === 'link/status' && m.agent === 'connected');
    const events = [focusLost()];
    host.send({ type: 'event/batch', events });
    await host.next(isAck(events.map((e) => e.id)));
    expect(storedEvents(dbFile).some((e) => e.id === events[0]?.id)).toBe(true);
    expect(host.child.exitCode).toBeNull();
  });

  test('a deeply nested "type" gets one error naming the problem, no stack trace, and the host keeps serving', async () => {
    const { host } = await setup();
    const depth = 150_000;
    host.sendRaw(frame(`{"type":${'['.repeat(depth)}${']'.repeat(depth)}}`));
    const refused = await host.next((m) => m.type === 'link/error');
    expect(String(refused.error)).toMatch(/message 1 .*nests more than 32 levels deep/);
    host.send(hello);
    await host.next((m) => m.type === 'link/status' && m.agent === 'connected');
    expect(host.child.exitCode).toBeNull();
    expect(host.stderr()).toBe('');
  });

  test('a length over the limit ends the host with one line on stderr and a non-zero exit', async () => {
    const { host } = await setup();
    const head = Buffer.alloc(4);
    head.writeUInt32LE(64 * 1024 * 1024, 0);
    host.sendRaw(head);
    expect(await host.exited).toBe(1);
    expect(lines(host.stderr())).toEqual([
      expect.stringMatching(
        /^invigil native-host: message 1 announces 67108864 bytes, over the 1048576-byte limit$/,
      ),
    ]);
  });

  test('a stream that ends inside a frame ends the host with one line and a non-zero exit', async () => {
    const { host } = await setup();
    host.send(hello);
    const f = frame(hello);
    host.sendRaw(f.subarray(0, f.length - 5));
    expect(await host.close()).toBe(1);
    expect(lines(host.stderr())).toEqual([
      expect.stringMatching(
        /^invigil native-host: the stream ended inside message 2 \(got \d+ of \d+ bytes\)$/,
      ),
    ]);
  });

  test('the host refuses any caller but the Invigil extension', async () => {
    const ws = agentWorkspace();
    cleanups.push(ws.remove);
    const other = startHost({
      socket: ws.socket,
      origin: 'chrome-extension://aeblfdkhhhdcdjpifhhbdiojplfjncoa/',
    });
    expect(await other.exited).toBe(2);
    expect(lines(other.stderr())).toEqual([
      expect.stringMatching(
        /refusing chrome-extension:\/\/aeblfdkhhhdcdjpifhhbdiojplfjncoa\/: only the Invigil extension/,
      ),
    ]);
    const none = startHost({ socket: ws.socket, origin: null });
    expect(await none.exited).toBe(2);
    expect(lines(none.stderr())).toHaveLength(1);
  });
});

describe("bad input at the agent's socket", () => {
  test('garbage and malformed messages get errors; the agent keeps serving everyone else', async () => {
    const { ws, host, agent } = await setup();
    host.send(hello);
    await host.next((m) => m.type === 'link/status' && m.agent === 'connected');

    const raw = await connectAgentSocket(ws.socket);
    raw.send({ type: 'event/batch', events: [{ id: 'x', at: 'yesterday', type: 'event/focus-lost' }] });
    const e1 = await raw.next((m) => m.type === 'link/error');
    expect(e1.error).toMatch(/events\[0\]\.id must be at least 8 characters/);
    for (let i = 0; i < 200; i++) raw.socket.write(frame(randomBytes(i % 50).toString('latin1')));
    raw.send([1, 2, 3]);
    await raw.next((m) => m.type === 'link/error' && String(m.error).includes('JSON object'));

    // A length no frame may have: that connection ends, and only that one.
    const huge = Buffer.alloc(4);
    huge.writeUInt32LE(0xffffffff, 0);
    raw.socket.write(huge);
    await raw.next((m) => m.type === 'link/error' && String(m.error).includes('over the'));
    await raw.closed;

    const events = [focusLost()];
    host.send({ type: 'event/batch', events });
    await host.next(isAck(events.map((e) => e.id)));
    const status = await agentStatusReply(ws.socket);
    expect(status.status.extension.linked).toBe(true);
    expect(agent?.child.exitCode).toBeNull();
  });
});
