import { expect, test } from 'vitest';
import { arrayElementSpans, readSeatFrame } from '../../../../../invigilator/server/seats/seat-frame.ts';

function check(text: string): void {
  const parsed = JSON.parse(text) as { events: unknown[] };
  const spans = arrayElementSpans(text, 'events');
  expect(spans).not.toBeNull();
  expect(spans?.length).toBe(parsed.events.length);
  spans?.forEach(([a, b], i) => {
    expect(JSON.parse(text.slice(a, b))).toEqual(parsed.events[i]);
  });
}

test('finds each event as the seat wrote it, whatever it holds', () => {
  check('{"type":"seat/events","events":[{"id":"a"},{"id":"b"}]}');
  check('{ "events" : [ 1 , "two" , [3, [4]] , {"x": "]},[{"} , null ] , "type": "seat/events" }');
  check('{"events":[]}');
  check('{"events":["\\"quoted\\" ] , [", {"a\\\\":"b"}]}');
  check('{"other":[1,2],"events":[{"events":[9]}]}');
  check('{"events":[{"id":"x"}],"events":[{"id":"last wins"},{"id":"as in JSON.parse"}]}');
  check('{"\\u0065vents":[1,2]}');
  check('\n\t{"events":\n[\n{"id" : 1}\n,\n2\n]\n}\n');
});

test('finds each event in random frames exactly as JSON.parse reads them', () => {
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const value = (depth: number): unknown => {
    const r = rnd();
    if (depth > 3 || r < 0.3) return ['x"]', '{[', 12.5, true, null, 'ü\\n'][Math.floor(rnd() * 6)];
    if (r < 0.65) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
    const entries = Array.from({ length: Math.floor(rnd() * 4) }, (_, i) => [`k${i}]"`, value(depth + 1)]);
    return Object.fromEntries(entries);
  };
  for (let i = 0; i < 300; i++) {
    const events = Array.from({ length: Math.floor(rnd() * 6) }, () => value(0));
    const pretty = rnd() < 0.5;
    check(JSON.stringify({ type: 'seat/events', events, after: value(0) }, null, pretty ? 2 : undefined));
  }
});

test('null when there is no such array at the top level', () => {
  expect(arrayElementSpans('[1,2]', 'events')).toBeNull();
  expect(arrayElementSpans('{"events":{"a":1}}', 'events')).toBeNull();
  expect(arrayElementSpans('{"x":{"events":[1]}}', 'events')).toBeNull();
});

test('a frame too deep or too long is refused before it is parsed, saying which', () => {
  const deep = readSeatFrame(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  expect(deep).toMatchObject({ ok: false, problem: 'too-deep', reason: 'it nests more than 32 levels deep' });
  const long = readSeatFrame(`"${'a'.repeat(600 * 1024)}"`);
  expect(long).toMatchObject({ ok: false, problem: 'too-long' });
  expect(readSeatFrame('{"type":"seat/heartbeat"}')).toEqual({ ok: true, value: { type: 'seat/heartbeat' } });
});
