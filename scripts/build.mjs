// `npm run build`: the extension for Chrome, Edge and Chromium (dist/extension) and for Firefox
// (dist/extension-firefox), the dashboard (dist/dashboard) and the `invigil` command (dist/cli/invigil.js).
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { nodeVersionOk, packageVersion, ROOT, step } from './ensure.mjs';

nodeVersionOk();
const started = Date.now();
const { build: viteBuild } = await import('vite');
const esbuild = await import('esbuild');

step('Building the extension → dist/extension');
await viteBuild({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn' });

step('Building the Firefox extension → dist/extension-firefox');
await viteBuild({ configFile: join(ROOT, 'vite.firefox.config.ts'), logLevel: 'warn' });

if (existsSync(join(ROOT, 'vite.dashboard.config.ts'))) {
  step('Building the dashboard → dist/dashboard');
  await viteBuild({ configFile: join(ROOT, 'vite.dashboard.config.ts'), logLevel: 'warn' });
}

step('Building the invigil command → dist/cli/invigil.js');
// Chunks are named by their content: the last build's would pile up.
rmSync(join(ROOT, 'dist/cli/chunks'), { recursive: true, force: true });
await esbuild.build({
  // One entry (invigil.js) and a chunk per subcommand, loaded when it runs: the seat's agent does not
  // load the console's server (cli/commands/index.ts).
  entryPoints: { invigil: join(ROOT, 'cli/main.ts') },
  outdir: join(ROOT, 'dist/cli'),
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  banner: { js: '#!/usr/bin/env node' },
  define: { 'process.env.INVIGIL_VERSION': JSON.stringify(packageVersion()) },
});
chmodSync(join(ROOT, 'dist/cli/invigil.js'), 0o755);

step(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
