/**
 * A bounded fuzz of the two inputs of the seat link that a candidate's programs can reach: the native
 * host's stdin (native-messaging frames, as the browser sends them) and the agent's local socket. About
 * 10,000 inputs from a seeded generator: deep nesting, huge strings, random bytes, and valid-looking
 * messages with fields of the wrong type. Afterwards both processes must still be serving (a good
 * message still goes through end to end), the host must have printed no stack trace, and nothing may
 * have reached the agent's last-resort error handler.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  type AgentProcess,
  agentStatusReply,
  agentWorkspace,
  assertBuilt,
  startAgentProcess,
} from '../../helpers/agent-cli.ts';
import {
  connectAgentSocket,
  focusLost,
  type HostUnderTest,
  hello,
  sampleReport,
  startHost,
} from '../../helpers/agent-frames.ts';

const ws = agentWorkspace();
let agent: AgentProcess;
let host: HostUnderTest;

beforeAll(async () => {
  assertBuilt();
  // The fuzz plays the browser and reaches every handler past the door, so any connector is accepted.
  agent = await startAgentProcess(ws, { link: { accept: 'any' } });
  host = startHost({ socket: ws.socket });
  host.send(hello);
  await host.next((m) => m.type === 'link/status' && m.agent === 'connected');
});

afterAll(async () => {
  await host?.close();
  await agent?.stop();
  ws.remove();
});

/** Mulberry32: a small seeded generator, so a failure can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] as T,
  };
}

const WRONG_VALUES: unknown[] = [
  null,
  true,
  -1,
  1.5,
  1e308,
  '',
  'x'.repeat(300),
  [],
  {},
  [[[[]]]],
  { __proto__: { polluted: true } },
  '\u0000\uffff\ud800',
  '9999-99-99T99:99:99Z',
];

/** One input: bytes of one frame's body. */
function input(r: ReturnType<typeof rng>, i: number): Buffer {
  switch (r.int(8)) {
    case 0: {
      // Deep nesting in a field the schemas check, in one they do not, or as the whole message.
      const depth = r.pick([33, 100, 5_000, 100_000]);
      const open = r.int(2) ? '['.repeat(depth) : '{"a":'.repeat(depth);
      const close = open.startsWith('[') ? ']'.repeat(depth) : '}'.repeat(depth);
      const deep = `${open}${close}`;
      return Buffer.from(
        r.pick([
          `{"type":${deep}}`,
          `{"type":"event/batch","events":[{"id":"${randomUUID()}","at":"2026-01-01T00:00:00.000Z","type":${deep}}]}`,
          `{"type":"report/compliance","report":${deep}}`,
          deep,
        ]),
      );
    }
    case 1: {
      // A huge string, sometimes where text is expected: up to 900 KB of UTF-8 in all, inside the
      // 1 MiB frame limit (a length over it ends the host by design: native-link.test.ts).
      const n = i % 50 === 0 ? 900_000 : r.int(70_000);
      const s = 'é'.repeat(Math.floor(n / 4));
      return Buffer.from(
        JSON.stringify(
          r.int(2) ? { type: 'link/hello', protocol: 1, extensionId: s, extensionVersion: s } : { type: s },
        ),
      );
    }
    case 2: {
      // Random bytes.
      const b = Buffer.alloc(r.int(300));
      for (let k = 0; k < b.length; k++) b[k] = r.int(256);
      return b;
    }
    case 3:
      // Not JSON, nearly JSON.
      return Buffer.from(r.pick(['{', '{"type":', '[1,2', 'nul', '"\\u12"', '{"a":1}}', '\u0000', '']));
    default: {
      // A valid-looking message with one field replaced by a value of the wrong type.
      const base: Record<string, unknown> = structuredClone(
        r.pick([
          hello,
          { type: 'report/compliance', report: sampleReport() },
          { type: 'event/batch', events: [focusLost()] },
          { type: 'instruction/ack', instructionId: randomUUID() },
          { type: 'socket/hello', role: 'native-host', pid: 1 },
          { type: 'agent/status-request' },
        ]) as Record<string, unknown>,
      );
      const target = (base.report as Record<string, unknown> | undefined) ?? base;
      const keys = Object.keys(target);
      const key = r.int(4) === 0 ? r.pick(['__proto__', 'constructor', 'prototype', 'x']) : r.pick(keys);
      target[key] = r.pick(WRONG_VALUES);
      if (r.int(5) === 0) base.type = r.pick(['event/batch ', 'EVENT/BATCH', 'link/hello\u0000', 42]);
      return Buffer.from(JSON.stringify(base));
    }
  }
}

const withLength = (body: Buffer) => {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
};

test('5,000 inputs to the real native host: it answers each, keeps serving, and prints no stack trace', async () => {
  const r = rng(9);
  const before = host.received.length;
  for (let i = 0; i < 5000; i++) {
    host.sendRaw(withLength(input(r, i)));
    if (i % 200 === 0) await new Promise((res) => setImmediate(res));
  }
  // Still serving: a good batch after all that is relayed, stored and acknowledged.
  const events = [focusLost()];
  host.send({ type: 'event/batch', events });
  await host.next(
    (m) => m.type === 'event/ack' && (m.ids as string[]).includes(events[0]?.id ?? ''),
    120_000,
    before,
  );
  expect(host.child.exitCode).toBeNull();
  expect(host.stderr()).not.toMatch(/^\s+at /m);
  expect(host.received.slice(before).filter((m) => m.type === 'link/error').length).toBeGreaterThan(1000);
}, 180_000);

test("5,000 inputs to the agent's socket over many connections, some impossible: it keeps serving everyone", async () => {
  const r = rng(17);
  let sent = 0;
  while (sent < 5000) {
    const raw = await connectAgentSocket(ws.socket);
    const n = 100 + r.int(400);
    for (let i = 0; i < n && sent < 5000; i++, sent++) raw.socket.write(withLength(input(r, sent)));
    // Now and then a length no frame may have: that connection ends, and only that one.
    if (r.int(4) === 0) {
      const huge = Buffer.alloc(4);
      huge.writeUInt32LE(0xfffffff0, 0);
      raw.socket.write(huge);
    }
    raw.socket.end();
    await Promise.race([raw.closed, new Promise((res) => setTimeout(res, 5000))]);
    raw.socket.destroy();
  }
  const status = await agentStatusReply(ws.socket);
  expect(status.status.extension.linked).toBe(true);
  // The linked host still gets its messages through.
  const events = [focusLost()];
  const mark = host.received.length;
  host.send({ type: 'event/batch', events });
  await host.next(
    (m) => m.type === 'event/ack' && (m.ids as string[]).includes(events[0]?.id ?? ''),
    60_000,
    mark,
  );
  host.send({ type: 'report/compliance', report: sampleReport() });
  expect(agent.child.exitCode).toBeNull();
  expect(agent.logs()).not.toMatch(/escaped a handler|was rejected and not handled/);
}, 300_000);
