import { describe, expect, test } from 'vitest';
import { toState } from '../../../../../extension/features/browser-settings/index.ts';

describe('a privacy setting as read back from the browser', () => {
  test('off, by us', () => {
    expect(toState({ value: false, levelOfControl: 'controlled_by_this_extension' })).toEqual({
      value: false,
      levelOfControl: 'controlled_by_this_extension',
      off: true,
    });
  });

  test('off, by browser policy (not controllable, and that is fine)', () => {
    expect(toState({ value: false, levelOfControl: 'not_controllable' }).off).toBe(true);
  });

  test.each([
    ['not_controllable', "the browser's policy sets this setting"],
    ['controlled_by_other_extensions', 'another extension controls this setting'],
    ['controlled_by_this_extension', 'still on after being turned off'],
  ])('on, %s: the note says why', (levelOfControl, note) => {
    expect(toState({ value: true, levelOfControl })).toMatchObject({ off: false, note });
  });

  test('a value that is not a boolean is unknown, never "off"', () => {
    expect(toState({ value: undefined, levelOfControl: 'weird' })).toMatchObject({
      value: null,
      levelOfControl: null,
      off: false,
    });
  });

  test('a refused change is named', () => {
    expect(toState({ value: true, levelOfControl: 'controllable_by_this_extension' }, 'denied').note).toBe(
      'the browser refused the change: denied',
    );
  });
});
