/**
 * The size of the built extension (dist/extension): total, and per file type, raw and gzipped
 * (what a browser downloads and unpacks on every exam PC).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Row, report } from '../report.ts';

const DIR = resolve(import.meta.dirname, '../../dist/extension');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const all = files(DIR);
if (all.length === 0) throw new Error(`${DIR} is empty: run npm run build`);
const byType = new Map<string, { files: number; bytes: number; gzip: number }>();
let total = { files: 0, bytes: 0, gzip: 0 };
const largest: { file: string; bytes: number }[] = [];
for (const file of all) {
  const data = readFileSync(file);
  const gzip = gzipSync(data, { level: 9 }).length;
  const type = extname(file) || '(none)';
  const t = byType.get(type) ?? { files: 0, bytes: 0, gzip: 0 };
  byType.set(type, { files: t.files + 1, bytes: t.bytes + data.length, gzip: t.gzip + gzip });
  total = { files: total.files + 1, bytes: total.bytes + data.length, gzip: total.gzip + gzip };
  largest.push({ file: relative(DIR, file), bytes: data.length });
}

const kb = (n: number) => Math.round((n / 1024) * 10) / 10;
const rows: Row[] = [...byType.entries()]
  .sort((a, b) => b[1].bytes - a[1].bytes)
  .map(([type, t]) => ({ type, files: t.files, kb: kb(t.bytes), gzip_kb: kb(t.gzip) }));
rows.push({ type: 'total', files: total.files, kb: kb(total.bytes), gzip_kb: kb(total.gzip) });
for (const f of largest.sort((a, b) => b.bytes - a.bytes).slice(0, 3)) {
  rows.push({ type: `largest: ${f.file}`, files: 1, kb: kb(f.bytes), gzip_kb: null });
}
report(
  'extension-size',
  'Size of the built extension (dist/extension), per file type, raw and gzip -9',
  rows,
);
