// `npm run bench [-- filter...]`: builds, then runs every bench/**/*.bench.ts whose path contains a
// filter (all when none), one at a time. Each prints JSON and a table; results go to test-results/bench/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureNodeModules, ensureSystemPackages, nodeVersionOk, ROOT, step } from './ensure.mjs';

nodeVersionOk();
ensureNodeModules();
ensureSystemPackages(['chromium', 'xorg', 'openssl', 'firefox', 'postgresql']);
// `npm run bench -- FILTER -- --flag value`: what follows a second `--` goes to each benchmark.
const dashdash = process.argv.indexOf('--', 2);
const filters = process.argv.slice(2, dashdash === -1 ? undefined : dashdash);
const benchArgs = dashdash === -1 ? [] : process.argv.slice(dashdash + 1);

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? find(p) : p.endsWith('.bench.ts') ? [p] : [];
  });
}
const benches = find(join(ROOT, 'bench')).filter(
  (p) => filters.length === 0 || filters.some((f) => p.includes(f)),
);
if (benches.length === 0) {
  process.stderr.write(`no benchmark matches ${filters.join(' ')}\n`);
  process.exit(2);
}

const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit', cwd: ROOT });
if (build.status !== 0) process.exit(build.status ?? 1);

const esbuild = await import('esbuild');
// Inside node_modules/.cache so that the bundles' bare imports resolve to the project's node_modules.
const out = join(ROOT, 'node_modules/.cache/invigil-bench');
mkdirSync(out, { recursive: true });
let failed = 0;
for (const bench of benches) {
  const name = relative(ROOT, bench);
  step(`bench ${name}`);
  const outfile = join(out, `${name.replaceAll('/', '_')}.mjs`);
  await esbuild.build({
    entryPoints: [bench],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    packages: 'external',
    logLevel: 'warning',
    // Bundled into a temp dir: point import.meta.dirname-relative paths back at the source file.
    define: { 'import.meta.dirname': JSON.stringify(join(ROOT, relative(ROOT, bench), '..')) },
  });
  // Run from the repo root so that node_modules resolves for the external packages.
  const r = spawnSync(process.execPath, ['--expose-gc', outfile, ...benchArgs], {
    stdio: 'inherit',
    cwd: ROOT,
  });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`bench ${name} exited with ${r.status}\n`);
  }
}
rmSync(out, { recursive: true, force: true });
process.exit(failed > 0 ? 1 : 0);
