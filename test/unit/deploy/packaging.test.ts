/**
 * `npm run package` on a small extension: the store zip, the CRX3 (checked with an independent
 * reader and Node's own signature verification) and update.xml.
 */
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  extensionIdFromPublicKey,
  PackageError,
  type PackageOptions,
  packageExtension,
  packageXpi,
  updateManifestXml,
} from '../../../deploy/packaging/extension-package.ts';
import { EXTENSION_ID, EXTENSION_KEY } from '../../../shared/constants.ts';
import { readCrx3, verifyCrx3 } from '../../helpers/crx-file.ts';

let dir: string;
let warnings: string[];

function options(extra: Partial<PackageOptions> = {}): PackageOptions {
  return {
    extensionDir: join(dir, 'ext'),
    outDir: join(dir, 'out'),
    devKeyPath: join(dir, 'keys/dev.pem'),
    baseUrl: 'https://it.centre.example/invigil',
    log: () => undefined,
    warn: (l) => warnings.push(l),
    ...extra,
  };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'invigil-pkg-'));
  warnings = [];
  mkdirSync(join(dir, 'ext/assets'), { recursive: true });
  writeFileSync(
    join(dir, 'ext/manifest.json'),
    JSON.stringify({
      manifest_version: 3,
      name: 'Invigil',
      version: '1.2.3',
      key: EXTENSION_KEY,
      minimum_chrome_version: '120',
    }),
  );
  writeFileSync(join(dir, 'ext/assets/worker.js'), 'globalThis.invigilReady = true;\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const text = (files: Record<string, Uint8Array>, name: string) =>
  Buffer.from(files[name] ?? []).toString('utf8');

test('the manifest key gives the published id (the same rule the CRX id follows)', () => {
  expect(extensionIdFromPublicKey(Buffer.from(EXTENSION_KEY, 'base64'))).toBe(EXTENSION_ID);
});

describe("with the centre's own key", () => {
  let keyPath: string;
  let keyId: string;
  beforeEach(() => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keyPath = join(dir, 'centre.pem');
    writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    keyId = [...createHash('sha256').update(spki).digest('hex').slice(0, 32)]
      .map((c) => String.fromCharCode(97 + Number.parseInt(c, 16)))
      .join('');
  });

  test('the store zip has every file and a manifest without "key", which the stores refuse', async () => {
    const r = await packageExtension(options({ keyPath }));
    const files = unzipSync(readFileSync(r.zip));
    expect(Object.keys(files).sort()).toEqual(['assets/worker.js', 'manifest.json']);
    const manifest = JSON.parse(text(files, 'manifest.json'));
    expect(manifest.key).toBeUndefined();
    expect(manifest.update_url).toBeUndefined();
    expect(manifest.version).toBe('1.2.3');
    expect(text(files, 'assets/worker.js')).toBe('globalThis.invigilReady = true;\n');
  });

  test('the CRX verifies, and its id is the one derived from the signing key, not the published one', async () => {
    const r = await packageExtension(options({ keyPath }));
    const crx = readCrx3(readFileSync(r.crx));
    expect(verifyCrx3(crx)).toBe(keyId);
    expect(r.id).toBe(keyId);
    expect(r.id).not.toBe(EXTENSION_ID);
    const manifest = JSON.parse(text(unzipSync(crx.zip), 'manifest.json'));
    // The unpacked copy keeps the CRX's id, and later updates come from the centre's server.
    expect(extensionIdFromPublicKey(Buffer.from(manifest.key, 'base64'))).toBe(keyId);
    expect(manifest.update_url).toBe('https://it.centre.example/invigil/update.xml');
  });

  test('a tampered CRX fails verification', async () => {
    const r = await packageExtension(options({ keyPath }));
    const bytes = readFileSync(r.crx);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
    expect(() => verifyCrx3(readCrx3(bytes))).toThrow(/signature/);
  });

  test('update.xml names the id, the CRX address and the version', async () => {
    const r = await packageExtension(options({ keyPath }));
    const xml = readFileSync(r.updateXml, 'utf8');
    expect(xml).toContain('<gupdate xmlns="http://www.google.com/update2/response" protocol="2.0">');
    expect(xml).toContain(`<app appid="${keyId}">`);
    expect(xml).toContain(
      '<updatecheck codebase="https://it.centre.example/invigil/invigil-extension-1.2.3.crx" version="1.2.3" prodversionmin="120"/>',
    );
    const info = JSON.parse(readFileSync(r.info, 'utf8'));
    expect(info.extensionId).toBe(keyId);
    expect(info.files['invigil-extension-1.2.3.crx']).toBe(
      createHash('sha256').update(readFileSync(r.crx)).digest('hex'),
    );
  });

  test('packaging twice with the same key gives byte-identical files', async () => {
    const a = await packageExtension(options({ keyPath }));
    const first = [readFileSync(a.zip), readFileSync(a.crx)];
    const b = await packageExtension(options({ keyPath }));
    expect(readFileSync(b.zip).equals(first[0] as Buffer)).toBe(true);
    expect(readFileSync(b.crx).equals(first[1] as Buffer)).toBe(true);
  });
});

test('without a key, a development key is created out of the repository, private, with a warning, and reused', async () => {
  const first = await packageExtension(options());
  expect(first.keyCreated).toBe(true);
  expect(statSync(join(dir, 'keys/dev.pem')).mode & 0o777).toBe(0o600);
  expect(warnings.join('\n')).toMatch(/NEW development key was created/);
  warnings = [];
  const second = await packageExtension(options());
  expect(second.keyCreated).toBe(false);
  expect(second.id).toBe(first.id);
  expect(warnings.join('\n')).toMatch(/signing with the development key/);
});

test('without --base-url the files point at a name that can never resolve, and say so', async () => {
  const r = await packageExtension(options({ baseUrl: undefined }));
  expect(r.updateUrl).toBe('https://invigil-packages.invalid/update.xml');
  expect(warnings.join('\n')).toMatch(/no --base-url/);
});

test.each([
  ['a missing key file', { keyPath: '/nonexistent/key.pem' }, /cannot read the signing key/],
  [
    'a base URL that is not a web address',
    { baseUrl: 'ftp://x.example/' },
    /--base-url must start with https/,
  ],
  ['an unbuilt extension', { extensionDir: '/nonexistent' }, /the extension is not built/],
])('refuses %s with a clear message', async (_what, extra, message) => {
  await expect(packageExtension(options(extra))).rejects.toThrow(message);
  await expect(packageExtension(options(extra))).rejects.toBeInstanceOf(PackageError);
});

test('refuses a key that cannot sign a CRX here', async () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPath = join(dir, 'ec.pem');
  writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await expect(packageExtension(options({ keyPath }))).rejects.toThrow(
    /ec key; CRX signing here needs an RSA key/,
  );
  expect(existsSync(join(dir, 'out/invigil-extension-1.2.3.crx'))).toBe(false);
});

test('update manifest text is escaped', () => {
  expect(updateManifestXml('a'.repeat(32), 'https://x.example/a.crx?x=1&y="2"', '1.0')).toContain(
    'codebase="https://x.example/a.crx?x=1&amp;y=&quot;2&quot;"',
  );
});

describe('the Firefox build', () => {
  beforeEach(() => {
    mkdirSync(join(dir, 'ff/assets'), { recursive: true });
    writeFileSync(
      join(dir, 'ff/manifest.json'),
      JSON.stringify({
        manifest_version: 3,
        version: '1.2.3',
        browser_specific_settings: { gecko: { id: 'exam-lockdown@invigil.uk', strict_min_version: '153.0' } },
      }),
    );
    writeFileSync(join(dir, 'ff/assets/background.js'), 'globalThis.invigilReady = true;\n');
  });

  test('is packaged as an .xpi: every file, the manifest at the root, listed with its SHA-256', async () => {
    const r = await packageExtension(options({ firefoxDir: join(dir, 'ff') }));
    expect(r.xpi).toBe(join(dir, 'out/invigil-extension-1.2.3.xpi'));
    const files = unzipSync(readFileSync(r.xpi as string));
    expect(Object.keys(files).sort()).toEqual(['assets/background.js', 'manifest.json']);
    expect(JSON.parse(text(files, 'manifest.json')).browser_specific_settings.gecko.id).toBe(
      'exam-lockdown@invigil.uk',
    );
    const info = JSON.parse(readFileSync(r.info, 'utf8'));
    expect(info.files['invigil-extension-1.2.3.xpi']).toBe(
      createHash('sha256')
        .update(readFileSync(r.xpi as string))
        .digest('hex'),
    );
  });

  test('the Chromium build is refused as an .xpi (it has no add-on id)', () => {
    expect(() => packageXpi(join(dir, 'ext'), join(dir, 'out'))).toThrow(
      /no browser_specific_settings.gecko.id/,
    );
    expect(() => packageXpi('/nonexistent', join(dir, 'out'))).toThrow(/the Firefox extension is not built/);
  });
});
