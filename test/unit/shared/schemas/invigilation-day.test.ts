/** What the dashboard may send to answer a hand or pause a seat or room: each refusal names the field. */
import { expect, test } from 'vitest';
import { HandAnswerSchema, PauseStartSchema } from '../../../../shared/schemas/invigilation-day.ts';

const fieldOf = (r: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  r.success ? null : r.error?.issues[0]?.path.join('.');

test('an answer is a reason from the catalog, with a note when it is “other”', () => {
  expect(HandAnswerSchema.parse({ reason: 'explanation-or-pronunciation' })).toEqual({
    reason: 'explanation-or-pronunciation',
  });
  expect(HandAnswerSchema.parse({ reason: 'other', note: '  Asked for water ' }).note).toBe(
    'Asked for water',
  );
  expect(fieldOf(HandAnswerSchema.safeParse({ reason: 'telepathy' }))).toBe('reason');
  expect(fieldOf(HandAnswerSchema.safeParse({ reason: 'other' }))).toBe('note');
  expect(fieldOf(HandAnswerSchema.safeParse({ reason: 'other', note: '   ' }))).toBe('note');
  expect(fieldOf(HandAnswerSchema.safeParse({ reason: 'finished', note: 'x'.repeat(501) }))).toBe('note');
  expect(HandAnswerSchema.safeParse({ reason: 'finished', extra: 1 }).success).toBe(false);
});

test('a pause is of the room (no candidate) or of one candidate’s seat (with the entry)', () => {
  expect(PauseStartSchema.parse({ scope: 'room', reason: 'fire-alarm' })).toEqual({
    scope: 'room',
    reason: 'fire-alarm',
  });
  expect(
    PauseStartSchema.safeParse({ scope: 'seat', entryId: 'entry-0001', reason: 'exam-froze' }).success,
  ).toBe(true);
  expect(fieldOf(PauseStartSchema.safeParse({ scope: 'seat', reason: 'exam-froze' }))).toBe('entryId');
  expect(
    fieldOf(PauseStartSchema.safeParse({ scope: 'room', entryId: 'entry-0001', reason: 'exam-froze' })),
  ).toBe('entryId');
  expect(fieldOf(PauseStartSchema.safeParse({ scope: 'seat', entryId: '../x', reason: 'exam-froze' }))).toBe(
    'entryId',
  );
  expect(fieldOf(PauseStartSchema.safeParse({ scope: 'room', reason: 'lunch' }))).toBe('reason');
  expect(fieldOf(PauseStartSchema.safeParse({ scope: 'room', reason: 'other' }))).toBe('note');
  expect(fieldOf(PauseStartSchema.safeParse({ scope: 'building', reason: 'fire-alarm' }))).toBe('scope');
});
