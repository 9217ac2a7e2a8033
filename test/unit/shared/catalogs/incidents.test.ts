import { describe, expect, test } from 'vitest';
import { incidentFromEvent, incidentKindLabel } from '../../../../shared/catalogs/incidents.ts';
import { SeatEventSchema } from '../../../../shared/schemas/events.ts';

const base = { id: '00000000-0000-4000-8000-000000000001', at: '2026-12-01T09:00:00.000Z' };

describe('a refused connector in the invigilation record', () => {
  test('says what the agent saw: process, program, user, parent', () => {
    const event = SeatEventSchema.parse({
      ...base,
      type: 'event/connector-refused',
      reason: 'it was not started by the managed browser',
      second: false,
      peer: {
        pid: 4242,
        executable: '/usr/bin/node',
        user: 'nobody',
        parentPid: 4000,
        parentExecutable: '/usr/bin/bash',
      },
      repeats: 3,
    });
    expect(incidentFromEvent(event)).toEqual({
      kind: 'connector-refused',
      description:
        'A program tried to speak for the browser and was refused: process 4242 (/usr/bin/node), user nobody, started by process 4000 (/usr/bin/bash). It was not started by the managed browser. It tried 3 more time(s) before this.',
    });
    expect(incidentKindLabel('connector-refused')).toBe('Program posing as the browser refused');
  });

  test('a second connector reads as one', () => {
    const event = SeatEventSchema.parse({
      ...base,
      type: 'event/connector-refused',
      reason: 'a native host is already linked',
      second: true,
      peer: { pid: null, executable: null, user: null, parentPid: null, parentExecutable: null },
    });
    expect(incidentFromEvent(event)?.description).toBe(
      'A second connector tried to speak for the browser and was refused: an unknown process. A native host is already linked.',
    );
  });
});

describe('a raised hand in the invigilation record', () => {
  test('is an incident of its own kind, saying how the candidate raised it', () => {
    const event = SeatEventSchema.parse({ ...base, type: 'event/hand-raised', via: 'shortcut' });
    expect(incidentFromEvent(event)).toEqual({
      kind: 'hand-raised',
      description: 'The candidate raised a hand (keyboard shortcut).',
    });
    expect(incidentKindLabel('hand-raised')).toBe('Hand raised');
  });
  test('says nothing else the seat might have added', () => {
    expect(SeatEventSchema.safeParse({ ...base, type: 'event/hand-raised', via: 'telepathy' }).success).toBe(
      false,
    );
  });
});
