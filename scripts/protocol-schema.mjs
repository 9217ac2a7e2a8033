// `npm run protocol:schema`: writes docs/protocol/*.schema.json from the shared zod schemas
// (shared/schemas/protocol-json-schema.ts). test/unit/shared/schemas/protocol-json-schema.test.ts checks they match.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, step } from './ensure.mjs';

const esbuild = await import('esbuild');
const out = join(ROOT, 'node_modules/.cache/invigil-protocol-schema.mjs');
await esbuild.build({
  entryPoints: [join(ROOT, 'shared/schemas/protocol-json-schema.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
const { protocolJsonSchemaFiles } = await import(pathToFileURL(out).href);
const dir = join(ROOT, 'docs/protocol');
mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(protocolJsonSchemaFiles())) {
  writeFileSync(join(dir, name), text);
  step(`wrote docs/protocol/${name}`);
}
rmSync(out, { force: true });
// Formatted as the rest of the tree is, so `biome ci` stays clean; the test compares the parsed JSON.
spawnSync(join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', 'docs/protocol'], {
  cwd: ROOT,
  stdio: 'inherit',
});
