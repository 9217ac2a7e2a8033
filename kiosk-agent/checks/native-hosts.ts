/**
 * Native-messaging host registrations:
 * - password managers' connectors (`password-manager-host`, on the `password-manager` line):
 *   a registered connector means the app is installed and reachable from the browser;
 * - our own (`native-host-missing`, on the `extension` line): without it the extension can never
 *   report to the agent, so the seat would stay Not ready on the day.
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import type { ChromiumBrowser, PolicyOs, SeatBrowser } from '../../shared/catalogs/browser-policy.ts';
import { passwordManagerNativeHost } from '../../shared/catalogs/native-hosts.ts';
import { EXTENSION_ID } from '../../shared/constants.ts';
import type { Finding } from '../../shared/schemas/common.ts';
import { NATIVE_HOST_NAME } from '../../shared/schemas/native.ts';
import { firefoxHostDirs, hostLocations, profileHostDir } from '../native-host/locations.ts';
import { agentFinding } from './results.ts';
import { type RegKey, regQuery } from './windows-registry.ts';

export interface RegisteredHost {
  name: string;
  /** The manifest file. */
  manifest: string;
  /** The folder or registry key it was found through. */
  via: string;
}

const BROWSERS: ChromiumBrowser[] = ['chrome', 'chromium', 'edge'];

/** Every host registered in a folder (one `<name>.json` each). */
export function hostsInDir(dir: string): RegisteredHost[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => ({ name: basename(n, '.json'), manifest: join(dir, n), via: dir }));
}

/** Windows: hosts registered under a NativeMessagingHosts key (`reg query <key> /s` output). */
export function hostsFromRegistry(keys: readonly RegKey[], root: string): RegisteredHost[] {
  const prefix = `${root.toLowerCase()}\\`;
  const out: RegisteredHost[] = [];
  for (const k of keys) {
    if (!k.key.toLowerCase().startsWith(prefix)) continue;
    const name = k.key.slice(prefix.length);
    if (name.includes('\\')) continue;
    const manifest = k.values.get('');
    out.push({ name, manifest: typeof manifest === 'string' ? manifest : '', via: k.key });
  }
  return out;
}

export async function registeredHosts(
  os: PolicyOs,
  extraDirs: readonly string[] = [],
): Promise<RegisteredHost[]> {
  const found: RegisteredHost[] = [];
  if (os === 'windows') {
    for (const browser of BROWSERS) {
      const loc = hostLocations(browser, os);
      for (const root of [loc.machine, loc.user])
        found.push(...hostsFromRegistry(await regQuery(root), root));
    }
    return found;
  }
  const dirs = new Set<string>(extraDirs);
  for (const browser of BROWSERS) {
    const loc = hostLocations(browser, os);
    dirs.add(loc.machine);
    dirs.add(loc.user);
  }
  for (const d of firefoxHostDirs(os)) dirs.add(d);
  for (const d of dirs) found.push(...hostsInDir(d));
  return found;
}

export function passwordManagerHostFindings(
  hosts: readonly RegisteredHost[],
  extra: readonly string[],
): Finding[] {
  const byProduct = new Map<string, RegisteredHost[]>();
  for (const h of hosts) {
    const product = passwordManagerNativeHost(h.name, extra);
    if (product) byProduct.set(product, [...(byProduct.get(product) ?? []), h]);
  }
  return [...byProduct]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([product, list]) =>
      agentFinding(
        'password-manager-host',
        `${product}'s browser connector is registered (${[...new Set(list.map((h) => h.name))].join(', ')} in ${list
          .map((h) => h.via)
          .join(', ')}), so the app can fill in passwords in the browser.`,
        { subject: product, details: { host: list[0]?.name ?? '', manifest: list[0]?.manifest ?? '' } },
      ),
    );
}

/** Why a manifest of ours would not work, or null when it would. */
export function manifestProblem(file: string, extensionId = EXTENSION_ID, firefox = false): string | null {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    return `${file} cannot be read as JSON (${(error as Error).message})`;
  }
  if (m.name !== NATIVE_HOST_NAME) return `${file} names "${String(m.name)}", not ${NATIVE_HOST_NAME}`;
  if (m.type !== 'stdio') return `${file} must have "type": "stdio"`;
  if (firefox) {
    const allowed = Array.isArray(m.allowed_extensions) ? m.allowed_extensions : [];
    if (!allowed.includes(extensionId)) return `${file} does not allow the Invigil add-on (${extensionId})`;
  }
  const origins = Array.isArray(m.allowed_origins) ? m.allowed_origins : [];
  if (!firefox && !origins.includes(`chrome-extension://${extensionId}/`)) {
    return `${file} does not allow the Invigil extension (chrome-extension://${extensionId}/)`;
  }
  const path = typeof m.path === 'string' ? m.path : '';
  if (!isAbsolute(path)) return `${file} must give an absolute "path" to the host program`;
  if (!existsSync(path) || !statSync(path).isFile())
    return `the host program ${path} named in ${file} does not exist`;
  if (process.platform !== 'win32') {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      return `the host program ${path} named in ${file} is not executable`;
    }
  }
  return null;
}

/**
 * Our manifest for the managed browser, on Linux and macOS (folders). Windows registers hosts in
 * the registry: see `ourHostFindingWindows`.
 */
export function ourHostFinding(
  browser: SeatBrowser,
  os: PolicyOs,
  userDataDir?: string,
  extensionId = EXTENSION_ID,
): Finding | null {
  const loc = hostLocations(browser, os);
  const dirs = [...(userDataDir ? [profileHostDir(userDataDir)] : []), loc.user, loc.machine];
  const problems: string[] = [];
  for (const dir of dirs) {
    const file = join(dir, `${NATIVE_HOST_NAME}.json`);
    if (!existsSync(file)) continue;
    const problem = manifestProblem(file, extensionId, browser === 'firefox');
    if (problem === null) return null;
    problems.push(problem);
  }
  const why = problems.length > 0 ? problems.join('; ') : `no ${NATIVE_HOST_NAME}.json in ${dirs.join(', ')}`;
  return agentFinding('native-host-missing', `The browser cannot start the Invigil connector: ${why}.`, {
    subject: NATIVE_HOST_NAME,
    details: { browser, looked: dirs.join(', ') },
  });
}

export async function ourHostFindingWindows(
  browser: SeatBrowser,
  extensionId = EXTENSION_ID,
): Promise<Finding | null> {
  const loc = hostLocations(browser, 'windows');
  const problems: string[] = [];
  for (const root of [loc.user, loc.machine]) {
    const host = hostsFromRegistry(await regQuery(`${root}\\${NATIVE_HOST_NAME}`), root).find(
      (h) => h.name === NATIVE_HOST_NAME,
    );
    if (!host) continue;
    const problem = host.manifest
      ? manifestProblem(host.manifest, extensionId, browser === 'firefox')
      : `${host.via} names no manifest file`;
    if (problem === null) return null;
    problems.push(problem);
  }
  const why =
    problems.length > 0
      ? problems.join('; ')
      : `${NATIVE_HOST_NAME} is not registered under ${loc.user} or ${loc.machine}`;
  return agentFinding('native-host-missing', `The browser cannot start the Invigil connector: ${why}.`, {
    subject: NATIVE_HOST_NAME,
    details: { browser },
  });
}
