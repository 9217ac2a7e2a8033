import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { describeIssues } from '../../../../shared/schemas/issues.ts';

describe('problems in words, whatever the sender put there', () => {
  const Schema = z.discriminatedUnion('type', [
    z.object({ type: z.literal('a') }),
    z.object({ type: z.literal('b') }),
  ]);

  test('an unknown kind is quoted, shortened', () => {
    const raw = { type: `files/${'x'.repeat(500)}` };
    const [problem] = describeIssues(Schema.safeParse(raw).error as z.ZodError, raw);
    expect(problem).toBe(`type "files/${'x'.repeat(58)}..." is not one this side knows`);
  });

  test('a kind that is not text is described, never serialised (a deep value would overflow the stack)', () => {
    let deep: unknown = [];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const raw = { type: deep };
    const [problem] = describeIssues(Schema.safeParse(raw).error as z.ZodError, raw);
    expect(problem).toBe('type must be text naming a known kind (got a list)');
  });
});
