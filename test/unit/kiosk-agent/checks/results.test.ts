import { describe, expect, test } from 'vitest';
import { agentFinding, checkError, checkResult } from '../../../../kiosk-agent/checks/results.ts';
import { CheckResultSchema } from '../../../../shared/schemas/common.ts';

describe('checklist lines stay within the status schema, however much a check found', () => {
  test('a failing line whose findings add up to more than the schema allows is cut, and says so', () => {
    const findings = Array.from({ length: 30 }, (_, i) =>
      agentFinding('password-manager', `Password manager number ${i} is running: ${'x'.repeat(150)}`),
    );
    const line = checkResult('processes', 'No password manager is running', findings, 'none');
    expect(line.summary.length).toBeLessThanOrEqual(2000);
    expect(line.summary).toMatch(/characters more\)$/);
    expect(CheckResultSchema.safeParse(line).success).toBe(true);
  });

  test('a check that could not run, with a very long reason, is still a valid line', () => {
    const line = checkError('displays', 'Displays', new Error('y'.repeat(5000)));
    expect(CheckResultSchema.safeParse(line).success).toBe(true);
  });

  test('a short summary is left alone', () => {
    expect(checkResult('a', 'A', [], 'All well.').summary).toBe('All well.');
  });
});
