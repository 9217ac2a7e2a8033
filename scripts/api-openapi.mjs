// `npm run api:openapi`: writes docs/openapi.json (and docs/api.md's route table) from the console's route table (shared/api/openapi.ts).
// test/unit/shared/api/openapi.test.ts checks the committed file is what the table generates and what
// a running console serves at /api/openapi.json.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, step } from './ensure.mjs';

const esbuild = await import('esbuild');
const out = join(ROOT, 'node_modules/.cache/invigil-openapi.mjs');
await esbuild.build({
  entryPoints: [join(ROOT, 'shared/api/openapi.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
const { openApiText, routeTableMarkdown } = await import(pathToFileURL(out).href);
writeFileSync(join(ROOT, 'docs/openapi.json'), openApiText());
step('wrote docs/openapi.json');
// docs/api.md's route table (between its header row and the next blank line) from the same table.
const apiMd = join(ROOT, 'docs/api.md');
const HEADER = '| route | access | what it does |\n|---|---|---|\n';
const md = readFileSync(apiMd, 'utf8');
const start = md.indexOf(HEADER);
if (start < 0) throw new Error('docs/api.md has no route table header to replace');
const end = md.indexOf('\n\n', start);
writeFileSync(
  apiMd,
  `${md.slice(0, start)}${HEADER}${routeTableMarkdown()}${end < 0 ? '' : md.slice(end + 1)}`,
);
step('wrote the route table in docs/api.md');
rmSync(out, { force: true });
// Formatted as the rest of the tree is, so `biome ci` stays clean; the test compares the parsed JSON.
spawnSync(join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', 'docs/openapi.json'], {
  cwd: ROOT,
  stdio: 'inherit',
});
