/**
 * `npm run package`: the built extension (dist/extension) as
 * - a zip for the Chrome Web Store / Edge Add-ons (without the manifest's `key`, which the stores refuse),
 * - a CRX3 signed with the centre's key, and the update manifest (update.xml, gupdate format) that
 *   browsers poll, for self-hosting;
 * - the Firefox build (dist/extension-firefox) as an unsigned .xpi (a zip), for Mozilla's unlisted
 *   signing (docs/deploy.md, "Firefox"); Firefox ESR installs it unsigned only where
 *   `xpinstall.signatures.required` is false (the tests).
 *
 * A CRX's extension id comes from the key that signs it (first 128 bits of SHA-256 of the public
 * key, written with the letters a-p). The published id, lafjhoockmahiigmahjcfjehlcadimim, belongs to
 * a key that is not in this repository, so a CRX signed here always has another id: the CRX's
 * manifest carries the signing key's public half, the id is printed, and `invigil policy
 * --extension-id` force-installs that id.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import crx3 from 'crx3';
import { type Zippable, zipSync } from 'fflate';

export interface PackageOptions {
  /** The built extension (dist/extension). */
  extensionDir: string;
  /** The Firefox build (dist/extension-firefox): packaged as an .xpi when given. */
  firefoxDir?: string;
  /** Where the packages go (dist/package). */
  outDir: string;
  /** The signing key (PEM, RSA). When missing, `devKeyPath` is used, and created if needed. */
  keyPath?: string;
  /** A git-ignored place for a development key. */
  devKeyPath: string;
  /** Where the centre will serve the files in outDir (update.xml and the CRX); ends with "/". */
  baseUrl?: string;
  log(line: string): void;
  warn(line: string): void;
}

export interface PackageResult {
  id: string;
  version: string;
  zip: string;
  crx: string;
  /** The unsigned .xpi, when the Firefox build was given. */
  xpi?: string;
  updateXml: string;
  info: string;
  keyPath: string;
  keyCreated: boolean;
  updateUrl: string;
  crxUrl: string;
}

/** Where update.xml and the CRX say they live when no --base-url is given: a name that never resolves. */
export const PLACEHOLDER_BASE_URL = 'https://invigil-packages.invalid/';

/** Fixed timestamps make the zip and CRX byte-for-byte reproducible for the same build and key. */
const ZIP_MTIME = new Date('2020-01-01T00:00:00Z');

/** The extension id for a public key (DER SubjectPublicKeyInfo). */
export function extensionIdFromPublicKey(spkiDer: Buffer): string {
  const hex = createHash('sha256').update(spkiDer).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode('a'.charCodeAt(0) + Number.parseInt(c, 16))).join('');
}

export function publicKeyDer(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

export class PackageError extends Error {
  override readonly name = 'PackageError';
}

function loadKey(path: string): KeyObject {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (error) {
    throw new PackageError(`cannot read the signing key ${path}: ${(error as Error).message}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new PackageError(`${path} is not a private key in PEM form`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new PackageError(`${path} is a ${key.asymmetricKeyType} key; CRX signing here needs an RSA key`);
  }
  return key;
}

function createDevKey(path: string): KeyObject {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  chmodSync(path, 0o600);
  return privateKey;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

function zipWithManifest(dir: string, files: string[], manifest: Record<string, unknown>): Uint8Array {
  const entries: Zippable = {};
  for (const f of files) {
    const data =
      f === 'manifest.json'
        ? Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)
        : readFileSync(join(dir, f));
    entries[f] = [new Uint8Array(data), { mtime: ZIP_MTIME, level: 9 }];
  }
  return zipSync(entries);
}

function xmlAttr(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** The update manifest browsers fetch from the update URL (gupdate format, protocol 2.0). */
export function updateManifestXml(id: string, crxUrl: string, version: string, minBrowser?: string): string {
  const min = minBrowser ? ` prodversionmin="${xmlAttr(minBrowser)}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<gupdate xmlns="http://www.google.com/update2/response" protocol="2.0">
  <app appid="${id}">
    <updatecheck codebase="${xmlAttr(crxUrl)}" version="${xmlAttr(version)}"${min}/>
  </app>
</gupdate>
`;
}

export function normalizeBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PackageError(
      `--base-url must be a web address such as https://it.centre.example/invigil/ (got "${raw}")`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PackageError(`--base-url must start with https:// or http:// (got "${raw}")`);
  }
  if (url.search || url.hash) throw new PackageError('--base-url cannot have a query or a #fragment');
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

export async function packageExtension(o: PackageOptions): Promise<PackageResult> {
  const manifestPath = join(o.extensionDir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new PackageError(`the extension is not built (${manifestPath} is missing): run npm run build`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  const version = manifest.version;
  if (typeof version !== 'string' || !/^\d+(\.\d+){0,3}$/.test(version)) {
    throw new PackageError(`${manifestPath} has no valid version`);
  }
  const baseUrl = normalizeBaseUrl(o.baseUrl ?? PLACEHOLDER_BASE_URL);
  if (o.baseUrl === undefined) {
    o.warn(
      `warning: no --base-url, so update.xml and the CRX point at ${PLACEHOLDER_BASE_URL}, which does not exist. Pass --base-url with the address where you will serve ${o.outDir}.`,
    );
  }

  // The signing key: the centre's own, or a development key kept out of the repository.
  let keyPath = o.keyPath ?? o.devKeyPath;
  let keyCreated = false;
  let key: KeyObject;
  if (o.keyPath !== undefined) {
    key = loadKey(o.keyPath);
  } else if (existsSync(o.devKeyPath)) {
    key = loadKey(o.devKeyPath);
    o.warn(
      `warning: signing with the development key ${o.devKeyPath}. For real seats use your own key (--key).`,
    );
  } else {
    key = createDevKey(o.devKeyPath);
    keyCreated = true;
    keyPath = o.devKeyPath;
    o.warn(
      `warning: no signing key given (--key FILE or INVIGIL_SIGNING_KEY), so a NEW development key was created at ${o.devKeyPath} (git-ignored). ` +
        'Every CRX signed with another key gets another extension id; for real seats make one key, keep it safe and always sign with it.',
    );
  }
  const spki = publicKeyDer(key);
  const id = extensionIdFromPublicKey(spki);

  mkdirSync(o.outDir, { recursive: true });
  const files = listFiles(o.extensionDir);
  const base = `invigil-extension-${version}`;
  const zipPath = join(o.outDir, `${base}.zip`);
  const crxPath = join(o.outDir, `${base}.crx`);
  const xmlPath = join(o.outDir, 'update.xml');
  const infoPath = join(o.outDir, 'package-info.json');
  const crxUrl = new URL(`${base}.crx`, baseUrl).href;
  const updateUrl = new URL('update.xml', baseUrl).href;

  o.log(`  store upload: ${zipPath} (${files.length} files, manifest without "key")`);
  const { key: _fixedKey, update_url: _updateUrl, ...storeManifest } = manifest;
  const storeZip = zipWithManifest(o.extensionDir, files, storeManifest);
  writeFileSync(`${zipPath}.tmp`, storeZip);
  renameSync(`${zipPath}.tmp`, zipPath);

  o.log(`  self-hosting: ${crxPath} (CRX3, signed; extension id ${id})`);
  // The CRX's manifest names its own key (so the unpacked copy keeps the id) and where updates come from.
  const crxManifest = { ...storeManifest, key: spki.toString('base64'), update_url: updateUrl };
  const crxZip = zipWithManifest(o.extensionDir, files, crxManifest);
  await crx3(Readable.from([Buffer.from(crxZip)]), { keyPath, crxPath: `${crxPath}.tmp` });
  renameSync(`${crxPath}.tmp`, crxPath);

  o.log(`  update manifest: ${xmlPath} (points at ${crxUrl})`);
  const min =
    typeof manifest.minimum_chrome_version === 'string' ? manifest.minimum_chrome_version : undefined;
  writeFileSync(xmlPath, updateManifestXml(id, crxUrl, version, min));

  const xpiPath = o.firefoxDir === undefined ? undefined : packageXpi(o.firefoxDir, o.outDir);
  if (xpiPath !== undefined) {
    o.log(`  Firefox: ${xpiPath} (unsigned; have it signed as an unlisted add-on before seats install it)`);
  }

  const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
  const info = {
    extensionId: id,
    version,
    updateUrl,
    crxUrl,
    files: {
      [`${base}.zip`]: sha256(zipPath),
      [`${base}.crx`]: sha256(crxPath),
      'update.xml': sha256(xmlPath),
      ...(xpiPath === undefined ? {} : { [basename(xpiPath)]: sha256(xpiPath) }),
    },
  };
  writeFileSync(infoPath, `${JSON.stringify(info, null, 2)}\n`);
  return {
    id,
    version,
    zip: zipPath,
    crx: crxPath,
    ...(xpiPath === undefined ? {} : { xpi: xpiPath }),
    updateXml: xmlPath,
    info: infoPath,
    keyPath,
    keyCreated,
    updateUrl,
    crxUrl,
  };
}

/**
 * The Firefox build as an .xpi (a zip of the folder, manifest at the root), unsigned: Mozilla signs it
 * (unlisted) for real seats. The add-on id is the manifest's `browser_specific_settings.gecko.id`.
 */
export function packageXpi(firefoxDir: string, outDir: string): string {
  const manifestPath = join(firefoxDir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new PackageError(
      `the Firefox extension is not built (${manifestPath} is missing): run npm run build`,
    );
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    version?: unknown;
    browser_specific_settings?: { gecko?: { id?: unknown } };
  };
  if (typeof manifest.browser_specific_settings?.gecko?.id !== 'string') {
    throw new PackageError(
      `${manifestPath} has no browser_specific_settings.gecko.id: it is not the Firefox build`,
    );
  }
  if (typeof manifest.version !== 'string') throw new PackageError(`${manifestPath} has no valid version`);
  mkdirSync(outDir, { recursive: true });
  const xpiPath = join(outDir, `invigil-extension-${manifest.version}.xpi`);
  const files = listFiles(firefoxDir);
  const entries: Zippable = {};
  for (const f of files)
    entries[f] = [new Uint8Array(readFileSync(join(firefoxDir, f))), { mtime: ZIP_MTIME, level: 9 }];
  writeFileSync(`${xpiPath}.tmp`, zipSync(entries));
  renameSync(`${xpiPath}.tmp`, xpiPath);
  return xpiPath;
}
