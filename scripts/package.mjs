// `npm run package [-- --key FILE] [-- --base-url URL]`: builds, then writes to dist/package/
//   invigil-extension-<version>.zip   for the Chrome Web Store / Edge Add-ons
//   invigil-extension-<version>.crx   signed CRX3, for self-hosting
//   update.xml                        the update manifest browsers poll (gupdate)
//   invigil-extension-<version>.xpi   the Firefox build, unsigned (for Mozilla's unlisted signing)
//   package-info.json                 extension id, URLs and SHA-256 of each file
//   invigil-<version>.tgz             the invigil command, for `npm install -g` on exam PCs
// The signing key comes from --key or INVIGIL_SIGNING_KEY and never from the repository; without one
// a development key is made in keys/ (git-ignored) and a warning says so.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureNodeModules, nodeVersionOk, packageVersion, ROOT, step } from './ensure.mjs';

nodeVersionOk();

let args;
try {
  args = parseArgs({
    args: process.argv.slice(2),
    options: {
      key: { type: 'string' },
      'base-url': { type: 'string' },
      out: { type: 'string' },
      'no-build': { type: 'boolean' },
      'no-tarball': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values;
} catch (error) {
  process.stderr.write(`npm run package: ${error.message}. Run \`npm run package -- --help\`.\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(`Usage: npm run package -- [--key FILE] [--base-url URL] [--out DIR] [--no-build] [--no-tarball]

  --key FILE       RSA private key (PEM) that signs the CRX; or set INVIGIL_SIGNING_KEY.
                   The extension id comes from this key. Without one, a development key is
                   created in keys/ (git-ignored) and used from then on.
  --base-url URL   where you will serve the output folder (update.xml and the CRX); or set
                   INVIGIL_PACKAGE_BASE_URL
  --out DIR        output folder (default dist/package)
  --no-build       package the existing dist/ without building first
  --no-tarball     skip the npm tarball of the invigil command
`);
  process.exit(0);
}

ensureNodeModules();
if (!args['no-build']) {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit', cwd: ROOT });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const outDir = resolve(args.out ?? join(ROOT, 'dist/package'));
const keyPath = args.key ?? process.env.INVIGIL_SIGNING_KEY ?? undefined;
const baseUrl = args['base-url'] ?? process.env.INVIGIL_PACKAGE_BASE_URL ?? undefined;

// The packaging code is TypeScript shared with the tests: bundle it, then run it.
const esbuild = await import('esbuild');
const cache = join(ROOT, 'node_modules/.cache/invigil-package');
mkdirSync(cache, { recursive: true });
const bundle = join(cache, 'extension-package.mjs');
await esbuild.build({
  entryPoints: [join(ROOT, 'deploy/packaging/extension-package.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  packages: 'external',
  logLevel: 'warning',
});
const { packageExtension, PackageError } = await import(bundle);

step(`Packaging the extension → ${outDir}`);
let result;
try {
  result = await packageExtension({
    extensionDir: join(ROOT, 'dist/extension'),
    firefoxDir: join(ROOT, 'dist/extension-firefox'),
    outDir,
    keyPath: keyPath === undefined ? undefined : resolve(keyPath),
    devKeyPath: join(ROOT, 'keys/invigil-extension-dev.pem'),
    baseUrl,
    log: (line) => process.stdout.write(`${line}\n`),
    warn: (line) => process.stderr.write(`\x1b[33m${line}\x1b[0m\n`),
  });
} catch (error) {
  if (error instanceof PackageError) {
    process.stderr.write(`npm run package: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

if (!args['no-tarball']) {
  step(`Packing the invigil command → ${join(outDir, `invigil-${packageVersion()}.tgz`)}`);
  const pack = spawnSync('npm', ['pack', '--silent', '--pack-destination', outDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (pack.status !== 0) {
    process.stderr.write('npm run package: npm pack failed\n');
    process.exit(1);
  }
}

step('Done');
process.stdout.write(`
Extension id (from the signing key): ${result.id}
Update URL:                          ${result.updateUrl}

Serve ${outDir} at ${result.updateUrl.replace(/update\.xml$/, '')} (over HTTPS for real seats), then write the policy with this id:
  invigil policy --browser chrome --os windows --extension-id ${result.id} \\
    --update-url ${result.updateUrl} --out policy/
The native messaging host must allow the same id (see docs/deploy.md, "Self-hosting the extension").
${
  result.xpi
    ? `
Firefox: ${result.xpi} is unsigned. Have it signed as an unlisted add-on (docs/deploy.md, "Firefox"), serve
the signed file, then write the policy:
  invigil policy --browser firefox --os linux --install-url https://it.centre.example/invigil.xpi --out policy/
`
    : ''
}`);
