/**
 * Every benchmark prints its numbers the same way: one JSON line (for machines) and a table
 * (for people), and writes the JSON to test-results/bench/<name>.json. Benchmarks never pass or fail.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';

export type Row = Record<string, string | number | boolean | null>;

export interface BenchResult {
  bench: string;
  /** What was measured, in a sentence. */
  description: string;
  machine: { cpus: number; node: string; platform: string };
  rows: Row[];
}

export function report(bench: string, description: string, rows: Row[]): BenchResult {
  const result: BenchResult = {
    bench,
    description,
    machine: { cpus: cpus().length, node: process.versions.node, platform: process.platform },
    rows,
  };
  const dir = resolve(process.cwd(), 'test-results/bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${bench}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n\n${bench}: ${description}\n${table(rows)}\n`);
  return result;
}

export function table(rows: Row[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (typeof v === 'number' ? formatNumber(v) : String(v ?? ''));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    line(cols),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(cols.map((c) => cell(r[c])))),
  ].join('\n');
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

/** Percentile (0-100) of a list of numbers, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
