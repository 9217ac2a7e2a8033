/** The extension's side of a raised hand: a second press moments later is the same hand. */
import { expect, test } from 'vitest';
import { HAND_REPEAT_MS } from '../../../../../extension/features/raise-hand/constants.ts';
import { isRepeat } from '../../../../../extension/features/raise-hand/index.ts';

const raisedAt = '2026-12-01T10:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(raisedAt) + ms);

test('a press within the repeat window is the same hand; after it, a new one', () => {
  expect(isRepeat({ raisedAt, via: 'button' }, at(0))).toBe(true);
  expect(isRepeat({ raisedAt, via: 'button' }, at(HAND_REPEAT_MS - 1))).toBe(true);
  expect(isRepeat({ raisedAt, via: 'shortcut' }, at(HAND_REPEAT_MS))).toBe(false);
});

test('a stored hand from the future (the clock went back) does not silence the candidate', () => {
  expect(isRepeat({ raisedAt, via: 'button' }, at(-60_000))).toBe(false);
});
