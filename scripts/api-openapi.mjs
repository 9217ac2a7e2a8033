// `npm run api:openapi`: writes docs/openapi.json from the console's route table (shared/api/openapi.ts).
// test/unit/shared/api/openapi.test.ts checks the committed file is what the table generates and what
// a running console serves at /api/openapi.json.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
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
const { openApiText } = await import(pathToFileURL(out).href);
writeFileSync(join(ROOT, 'docs/openapi.json'), openApiText());
step('wrote docs/openapi.json');
rmSync(out, { force: true });
// Formatted as the rest of the tree is, so `biome ci` stays clean; the test compares the parsed JSON.
spawnSync(join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', 'docs/openapi.json'], {
  cwd: ROOT,
  stdio: 'inherit',
});
