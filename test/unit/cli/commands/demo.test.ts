/** `invigil demo --browser`: chromium by default, firefox on request, anything else refused in one line. */
import { describe, expect, test } from 'vitest';
import { UserError } from '../../../../cli/command.ts';
import { demoBrowserFlag } from '../../../../cli/commands/demo.ts';

describe('invigil demo --browser', () => {
  test('chromium when the flag is absent', () => {
    expect(demoBrowserFlag(undefined)).toBe('chromium');
  });

  test('chromium and firefox as asked', () => {
    expect(demoBrowserFlag('chromium')).toBe('chromium');
    expect(demoBrowserFlag('firefox')).toBe('firefox');
  });

  test.each(['chrome', 'Firefox', '', 'edge', 'firefox-esr'])(
    'refuses %j in one line with exit code 2',
    (v) => {
      let error: unknown;
      try {
        demoBrowserFlag(v);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).exitCode).toBe(2);
      expect((error as UserError).message).toBe(`--browser must be chromium or firefox (got "${v}")`);
      expect((error as UserError).message).not.toContain('\n');
    },
  );
});
