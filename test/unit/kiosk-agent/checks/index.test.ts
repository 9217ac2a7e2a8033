/**
 * The meta-test of the check registry (kiosk-agent/checks/index.ts): every check defined anywhere in
 * kiosk-agent/checks is registered, has a row in kiosk-agent/README.md's check table naming each of
 * its checklist lines, and has a test file named after it that exercises each of its lines.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CHECKS } from '../../../../kiosk-agent/checks/index.ts';

const ROOT = join(import.meta.dirname, '../../../..');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });

const readme = readFileSync(join(ROOT, 'kiosk-agent/README.md'), 'utf8');
/** The check table's rows: `| \`id\` | lines... | ... |`. */
const rows = new Map(
  readme
    .split('\n')
    .map((l) => /^\| `([a-z0-9-]+)` \|(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1] as string, m[2] as string]),
);
const tests = [
  ...files(join(ROOT, 'test/unit/kiosk-agent')),
  ...files(join(ROOT, 'test/e2e/kiosk-agent')),
].filter((f) => f.endsWith('.test.ts'));

describe('the check registry', () => {
  test('every defineCheck in kiosk-agent/checks is registered, once', () => {
    const defined = files(join(ROOT, 'kiosk-agent/checks'))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('check.ts'))
      .flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/defineCheck(?:<[^>]*>)?\(\{\s*id: '([a-z0-9-]+)'/g)].map(
          (m) => m[1],
        ),
      )
      .sort();
    const ids = CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(defined);
  });

  test.each(CHECKS.map((c) => [c.id, c] as const))(
    '%s is in the README check table, with each of its lines',
    (id, c) => {
      const row = rows.get(id);
      expect(row, `a row for \`${id}\` in kiosk-agent/README.md`).toBeDefined();
      for (const line of c.lines)
        expect(row, `line ${line.id} in the row of ${id}`).toContain(`\`${line.id}\``);
    },
  );

  test('the README table has no row for a check that does not exist', () => {
    const ids = new Set([...CHECKS.map((c) => c.id), 'extension']);
    expect([...rows.keys()].filter((r) => !ids.has(r))).toEqual([]);
  });

  test.each(CHECKS.map((c) => [c.id, c] as const))(
    '%s has a test named after it that exercises each line',
    (id, c) => {
      const own = tests.filter((f) => f.endsWith(`/${id}.test.ts`));
      expect(
        own.map((f) => relative(ROOT, f)),
        `test/{unit,e2e}/kiosk-agent/**/${id}.test.ts`,
      ).not.toEqual([]);
      const text = own.map((f) => readFileSync(f, 'utf8')).join('\n');
      const untested = c.lines
        .map((l) => l.id)
        .filter(
          (l) => !text.includes(`'${l}'`) && !tests.some((f) => readFileSync(f, 'utf8').includes(`'${l}'`)),
        );
      expect(untested).toEqual([]);
    },
  );
});
