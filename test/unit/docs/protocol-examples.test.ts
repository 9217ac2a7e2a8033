/**
 * docs/protocol.md is the contract, so its examples must be true: every example frame parses, every
 * frame the document shows the console sending obeys the console's schema, every frame it shows a seat
 * sending (unless marked refused) obeys the seat's, every message type and error code has an example,
 * and every link inside the document lands on a heading.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import {
  ConsoleErrorCodeSchema,
  ConsoleToSeatSchema,
  MAX_SEAT_EVENT_BYTES,
  MAX_SEAT_EVENTS_PER_MESSAGE,
  MAX_SEAT_FRAME_BYTES,
  REJECTED_EXCERPT_CHARS,
  SEAT_DISPLACED_RETRY_MS,
  SEAT_HEARTBEAT_MS,
  SEAT_OFFLINE_AFTER_MS,
  SEAT_PING_MS,
  SEAT_PROTOCOL_VERSION,
  SEAT_READ_TIMEOUT_MS,
  SEAT_RECONNECT_MAX_MS,
  SEAT_RESTART_GRACE_MS,
  SeatToConsoleSchema,
} from '../../../shared/schemas/protocol.ts';

const DOC = readFileSync(resolve(import.meta.dirname, '../../../docs/protocol.md'), 'utf8');
const lines = DOC.split('\n');

const REFUSED = Symbol('refused');

function frames(prefix: string): unknown[] {
  return lines
    .filter((l) => l.startsWith(prefix))
    .map((l) => {
      const text = l.slice(prefix.length);
      if (prefix === '→ ' && text.startsWith('(refused) ')) return REFUSED;
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        throw new Error(`not JSON in the document: ${l.slice(0, 120)} (${(e as Error).message})`);
      }
    });
}

const seatFrames = frames('→ ').filter((f) => f !== REFUSED);
const refusedFrames = frames('→ (refused) ');
const consoleFrames = frames('← ');

test('the document has examples both ways', () => {
  expect(seatFrames.length).toBeGreaterThan(8);
  expect(consoleFrames.length).toBeGreaterThan(15);
  expect(refusedFrames.length).toBeGreaterThan(5);
});

test('every frame the document shows a seat sending obeys the seat-to-console schema', () => {
  for (const f of seatFrames) {
    const r = SeatToConsoleSchema.safeParse(f);
    expect(r.success, `${JSON.stringify(f).slice(0, 160)}: ${r.error?.issues[0]?.message}`).toBe(true);
  }
});

test('every frame the document shows the console sending obeys the console-to-seat schema', () => {
  for (const f of consoleFrames) {
    const r = ConsoleToSeatSchema.safeParse(f);
    expect(
      r.success,
      `${JSON.stringify(f).slice(0, 160)}: ${r.error?.issues[0]?.path.join('.')} ${r.error?.issues[0]?.message}`,
    ).toBe(true);
  }
});

test('every message type, both ways, has an example frame', () => {
  const shown = new Set([...seatFrames, ...consoleFrames].map((f) => (f as { type: string }).type));
  const types = [...SeatToConsoleSchema.options, ...ConsoleToSeatSchema.options].map(
    (o) => o.shape.type.value,
  );
  for (const t of types) expect(shown, t).toContain(t);
});

test('every error code has an example and a line in the table', () => {
  const shown = new Set(
    consoleFrames
      .filter((f) => (f as { type: string }).type === 'console/error')
      .map((f) => (f as { code?: string }).code),
  );
  for (const code of ConsoleErrorCodeSchema.options) {
    if (code !== 'over-budget') expect(shown, code).toContain(code);
    expect(DOC, code).toContain(`| \`${code}\` |`);
  }
});

test('the numbers in the document are the ones the code uses', () => {
  const n = (v: number) => v.toLocaleString('en-GB');
  expect(DOC).toContain(`# The Invigil seat protocol, version ${SEAT_PROTOCOL_VERSION}`);
  expect(DOC).toContain(`**${n(MAX_SEAT_FRAME_BYTES)}** (512 KiB)`);
  expect(DOC).toContain(`1 to **${MAX_SEAT_EVENTS_PER_MESSAGE}**`);
  expect(DOC).toContain(`**${n(MAX_SEAT_EVENT_BYTES)}** (64 KiB)`);
  expect(DOC).toContain(`**${n(REJECTED_EXCERPT_CHARS)}** characters`);
  expect(DOC).toContain(`**${n(SEAT_HEARTBEAT_MS)} ms**`);
  expect(DOC).toContain(`**${n(SEAT_OFFLINE_AFTER_MS)} ms**`);
  expect(DOC).toContain(`**${n(SEAT_PING_MS)} ms**`);
  expect(DOC).toContain(`**${n(SEAT_READ_TIMEOUT_MS)} ms**`);
  expect(DOC).toContain(`at most **${n(SEAT_RECONNECT_MAX_MS)} ms**`);
  expect(DOC).toContain(`**${n(SEAT_RESTART_GRACE_MS)} ms**`);
  expect(DOC).toContain(`at least **${n(SEAT_DISPLACED_RETRY_MS)} ms**`);
});

test('every link inside the document lands on one of its headings', () => {
  const slug = (h: string) =>
    h
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9 -]/g, '')
      .replace(/ /g, '-');
  const headings = new Set(lines.filter((l) => /^#{1,4} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));
  const anchors = [...DOC.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1] ?? '');
  expect(anchors.length).toBeGreaterThan(5);
  for (const a of anchors) expect(headings, a).toContain(a);
});
