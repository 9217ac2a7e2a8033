/**
 * The size of the built extension (dist/extension): total, and per file type, raw and gzipped
 * (what a browser downloads and unpacks on every exam PC). Then where the bytes go: the same build
 * again with source maps, into a temporary folder, and every byte of its scripts attributed to the
 * source file it came from, summed per package (node_modules) or per folder of ours.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SourceMapConsumer } from 'source-map-js';
import { build } from 'vite';
import { type Row, report } from '../report.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DIR = join(ROOT, 'dist/extension');
/** The budget (issue 10, part E). */
const BUDGET_KB = 150;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const kb = (n: number) => Math.round((n / 1024) * 10) / 10;

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

const rows: Row[] = [...byType.entries()]
  .sort((a, b) => b[1].bytes - a[1].bytes)
  .map(([type, t]) => ({ type, files: t.files, kb: kb(t.bytes), gzip_kb: kb(t.gzip) }));
rows.push({ type: 'total', files: total.files, kb: kb(total.bytes), gzip_kb: kb(total.gzip) });
rows.push({
  type: `budget (${BUDGET_KB} KB): ${kb(total.bytes) <= BUDGET_KB ? 'within' : 'OVER'}`,
  files: null,
  kb: BUDGET_KB,
  gzip_kb: null,
});
for (const f of largest.sort((a, b) => b.bytes - a.bytes).slice(0, 3)) {
  rows.push({ type: `largest: ${f.file}`, files: 1, kb: kb(f.bytes), gzip_kb: null });
}
report(
  'extension-size',
  'Size of the built extension (dist/extension), per file type, raw and gzip -9',
  rows,
);

/** `node_modules/@scope/name/...` → `@scope/name`; our files → their first two folders. */
function owner(source: string, mapFile: string): string {
  const nm = source.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = source.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? source);
  }
  // Sources are relative to the map's own folder.
  const ours = relative(ROOT, resolve(dirname(mapFile), source));
  return ours.split('/').slice(0, 2).join('/');
}

const mapped = mkdtempSync(join(tmpdir(), 'invigil-size-'));
try {
  await build({
    root: ROOT,
    configFile: join(ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: mapped, emptyOutDir: true, sourcemap: true },
  });
  const bytes = new Map<string, number>();
  for (const file of files(mapped).filter((f) => f.endsWith('.js'))) {
    const code = readFileSync(file, 'utf8');
    let map: ConstructorParameters<typeof SourceMapConsumer>[0];
    try {
      map = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
    } catch {
      bytes.set('(no source map)', (bytes.get('(no source map)') ?? 0) + code.length);
      continue;
    }
    const lineStarts = [0];
    for (let i = 0; i < code.length; i++) if (code[i] === '\n') lineStarts.push(i + 1);
    const mappings: { at: number; source: string | null }[] = [];
    new SourceMapConsumer(map).eachMapping((m) => {
      mappings.push({ at: (lineStarts[m.generatedLine - 1] ?? 0) + m.generatedColumn, source: m.source });
    });
    mappings.sort((a, b) => a.at - b.at);
    let covered = 0;
    mappings.forEach((m, i) => {
      const end = mappings[i + 1]?.at ?? code.length;
      const key = m.source ? owner(m.source, file) : '(generated)';
      bytes.set(key, (bytes.get(key) ?? 0) + (end - m.at));
      covered += end - m.at;
    });
    bytes.set('(generated)', (bytes.get('(generated)') ?? 0) + (code.length - covered));
  }
  const scripts = [...bytes.values()].reduce((a, b) => a + b, 0);
  report(
    'extension-size-by-source',
    "Where the built extension's script bytes come from (minified, attributed through source maps)",
    [...bytes.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([source, n]) => ({ source, kb: kb(n), share: `${Math.round((n / scripts) * 1000) / 10} %` })),
  );
} finally {
  rmSync(mapped, { recursive: true, force: true });
}
