/**
 * `browser-policy`: is the managed browser's enterprise policy in place? Read where each OS keeps
 * it (JSON files on Linux, the registry on Windows, managed preferences on macOS), turned into the
 * one JSON shape Chromium uses, and compared with the policies shared/catalogs/browser-policy.ts
 * requires for this browser, OS and version (the same list the policy generator writes from, so the
 * check never asks for what the generator leaves out, nor for a policy the browser does not know).
 *
 * The browser's version comes from the installed browser itself, read without starting it as the
 * candidate would: on Linux the managed browser binary's `--version` (only a root-owned binary that
 * nobody else can write), on macOS its app bundle's Info.plist, on Windows the version its updater
 * registered (`pv` under HKLM). An extension's report can add the version the running browser says
 * it is (`reportedVersion`); the check then requires the policies of the newer of the two. When no
 * version can be read, every policy the list has a version for is required (fail closed).
 *
 * The extension's own managed configuration (`3rdparty.extensions.<id>`) is checked too: Chrome
 * silently drops a value of the wrong JSON type, and the extension then never sees it, so the agent
 * is the one place that can tell IT (`extension-policy-invalid`).
 */

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  BROWSER_POLICIES,
  BROWSER_POLICY_LOCATIONS,
  browserPolicyName,
  type ChromiumBrowser,
  jsonText,
  type PolicyOs,
  requiredPolicies,
  type SeatPolicyContext,
  WEB_STORE_UPDATE_URL,
} from '../../shared/catalogs/browser-policy.ts';
import { POLICY_CHECKED_AGAINST } from '../../shared/catalogs/browser-versions.ts';
import { EXTENSION_ID } from '../../shared/constants.ts';
import type { CheckResult, Finding } from '../../shared/schemas/common.ts';
import type { AgentConfig } from '../../shared/schemas/config.ts';
import { chromeManagedSchema, POLICY_DEFAULTS, parsePolicy } from '../../shared/schemas/policy.ts';
import { checkFirefoxPolicy } from './firefox-policy.ts';
import { agentFinding, checkResult } from './results.ts';
import { type RegKey, registryTree, regQuery } from './windows-registry.ts';

export const POLICY_CHECK = { id: 'browser-policy', title: "The browser's enterprise policy is in place" };

export const BROWSER_NAMES: Record<ChromiumBrowser, string> = {
  chrome: 'Google Chrome',
  chromium: 'Chromium',
  edge: 'Microsoft Edge',
};

/** A browser's version and where it was read. */
export interface BrowserVersion {
  major: number;
  /** As the browser gives it: 156.0.8078.114. */
  full: string;
  /** Where it came from, for the summary ("/usr/lib/chromium/chromium --version"). */
  source: string;
}

export interface InstalledPolicy {
  browser: ChromiumBrowser;
  os: PolicyOs;
  /** Where it was read from (folder, registry key, plist). */
  where: string;
  /** False when no policy exists there at all. */
  found: boolean;
  /** The browser's policies, in Chromium's JSON shape. */
  values: Record<string, unknown>;
  /** Problems reading it (a policy file that is not JSON: the browser ignores that file). */
  problems: Finding[];
  /** The installed browser's version, or why it could not be read. */
  version?: BrowserVersion | { unknown: string };
}

// ---- the installed policy ----

/** Linux: every *.json file in the managed-policy folder, merged as Chromium does. */
export function readLinuxPolicy(
  browser: ChromiumBrowser,
  dir = BROWSER_POLICY_LOCATIONS[browser].linux,
): InstalledPolicy {
  const result: InstalledPolicy = {
    browser,
    os: 'linux',
    where: dir,
    found: false,
    values: {},
    problems: [],
  };
  if (!existsSync(dir)) return result;
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const file = join(dir, name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      result.problems.push(
        agentFinding(
          'browser-policy',
          `The policy file ${file} cannot be read as JSON (${(error as Error).message}); the browser ignores the whole file.`,
          { subject: file },
        ),
      );
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      result.problems.push(
        agentFinding(
          'browser-policy',
          `The policy file ${file} does not hold an object of policies; the browser ignores it.`,
          { subject: file },
        ),
      );
      continue;
    }
    result.found = true;
    Object.assign(result.values, parsed);
  }
  return result;
}

const NAMING_CONTEXT: SeatPolicyContext = {
  browser: 'chrome',
  extensionId: EXTENSION_ID,
  updateUrl: WEB_STORE_UPDATE_URL,
  extensionPolicy: POLICY_DEFAULTS,
  printing: false,
};

/** The policy names (in every browser's spelling) whose values are true/false: the registry stores them as DWORD 0/1. */
const BOOLEAN_POLICIES = new Set(
  BROWSER_POLICIES.filter((p) => typeof p.value(NAMING_CONTEXT) === 'boolean').flatMap((p) => [
    p.key,
    browserPolicyName('edge', p.key),
  ]),
);
const EXTENSION_FIELD_TYPES = (chromeManagedSchema().properties ?? {}) as Record<string, { type?: string }>;

/**
 * Windows: `reg query HKLM\SOFTWARE\Policies\<vendor>\<browser> /s` turned into Chromium's JSON
 * shape. DWORDs become true/false where the policy is a boolean; dictionary policies such as
 * ExtensionSettings are JSON text in the registry; the extension's configuration sits under
 * `3rdparty\extensions\<id>\policy`, typed by the extension's managed schema.
 */
export function policyFromRegistry(keys: readonly RegKey[], browser: ChromiumBrowser): InstalledPolicy {
  const where = BROWSER_POLICY_LOCATIONS[browser].windows;
  const tree = registryTree(keys, where);
  const result: InstalledPolicy = {
    browser,
    os: 'windows',
    where,
    found: tree !== null,
    values: {},
    problems: [],
  };
  if (!tree) return result;
  for (const [key, value] of Object.entries(tree)) {
    if (key === '3rdparty') continue;
    result.values[key] =
      BOOLEAN_POLICIES.has(key) && typeof value === 'number' ? value !== 0 : jsonText(value);
  }
  const third = tree['3rdparty'] as Record<string, unknown> | undefined;
  const extensions = (third?.extensions ?? {}) as Record<string, Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const [id, entry] of Object.entries(extensions)) {
    const policy = (entry?.policy ?? {}) as Record<string, unknown>;
    const typed: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(policy)) {
      const type = EXTENSION_FIELD_TYPES[field]?.type;
      typed[field] = type === 'boolean' && typeof value === 'number' ? value !== 0 : value;
    }
    out[id] = typed;
  }
  if (Object.keys(out).length > 0) result.values['3rdparty'] = { extensions: out };
  return result;
}

/**
 * macOS: `plutil -convert json -o - <plist>` output of the browser's managed preferences, and of
 * the extension's own domain (`<bundle id>.extensions.<extension id>`), merged into Chromium's shape.
 */
export function policyFromPlistJson(
  browser: ChromiumBrowser,
  main: string | null,
  extension: string | null,
  extensionId = EXTENSION_ID,
): InstalledPolicy {
  const where = BROWSER_POLICY_LOCATIONS[browser].macos;
  const result: InstalledPolicy = { browser, os: 'macos', where, found: false, values: {}, problems: [] };
  if (main !== null) {
    const parsed = JSON.parse(main) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      result.found = true;
      Object.assign(result.values, parsed);
    }
  }
  if (extension !== null) {
    const parsed = JSON.parse(extension) as unknown;
    result.values['3rdparty'] = { extensions: { [extensionId]: parsed } };
  }
  return result;
}

export function macExtensionPlist(browser: ChromiumBrowser, extensionId = EXTENSION_ID): string {
  return BROWSER_POLICY_LOCATIONS[browser].macos.replace(/\.plist$/, `.extensions.${extensionId}.plist`);
}

/** Runs a system tool with a small, fixed environment; its standard output, or an error naming it. */
export function runTool(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      // A small, fixed environment: nothing from the agent's own (no LD_PRELOAD, no proxy settings).
      { timeout: 15_000, windowsHide: true, env: { PATH: '/usr/bin:/bin', LANG: 'C' } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${file} ${args.join(' ')}: ${(stderr || error.message).trim()}`));
        else resolve(stdout);
      },
    );
  });
}

export function plutilJson(file: string): Promise<string | null> {
  if (!existsSync(file)) return Promise.resolve(null);
  return runTool('plutil', ['-convert', 'json', '-o', '-', file]).catch((e: Error) => {
    throw new Error(`plutil could not read ${file}: ${e.message}`);
  });
}

// ---- the browser's version ----

/** The managed browser's binary on Linux, most specific first (Debian's /usr/bin/chromium is a wrapper script). */
export const LINUX_BROWSER_BINARIES: Record<ChromiumBrowser, readonly string[]> = {
  chromium: ['/usr/lib/chromium/chromium', '/usr/lib/chromium-browser/chromium-browser', '/usr/bin/chromium'],
  chrome: ['/opt/google/chrome/chrome', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome'],
  edge: ['/opt/microsoft/msedge/msedge', '/usr/bin/microsoft-edge-stable', '/usr/bin/microsoft-edge'],
};

/** The app bundle's Info.plist on macOS. */
export const MAC_BROWSER_PLISTS: Record<ChromiumBrowser, string> = {
  chrome: '/Applications/Google Chrome.app/Contents/Info.plist',
  chromium: '/Applications/Chromium.app/Contents/Info.plist',
  edge: '/Applications/Microsoft Edge.app/Contents/Info.plist',
};

/**
 * Where each browser's updater registers the installed version on Windows (value `pv`). Google's
 * and Microsoft's updaters are 32-bit, so 64-bit Windows keeps them under WOW6432Node. Chromium
 * has no updater and registers no version: the check then requires every policy (fail closed).
 */
export const WINDOWS_VERSION_KEYS: Record<ChromiumBrowser, readonly string[]> = {
  chrome: [
    'HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Google\\Update\\Clients\\{8A69D345-D564-463c-AFF1-A69D9E530F96}',
    'HKEY_LOCAL_MACHINE\\SOFTWARE\\Google\\Update\\Clients\\{8A69D345-D564-463c-AFF1-A69D9E530F96}',
  ],
  edge: [
    'HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Microsoft\\EdgeUpdate\\Clients\\{56EB18F8-B008-4CBD-B6D2-8C97FE7E9062}',
    'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\EdgeUpdate\\Clients\\{56EB18F8-B008-4CBD-B6D2-8C97FE7E9062}',
  ],
  chromium: [],
};

const VERSION = /\b(\d{2,4})\.(\d+)\.(\d+)\.(\d+)\b/;

/** The first four-part version in a browser's output ("Chromium 156.0.8078.114 built on Debian"). */
export function parseBrowserVersion(text: string, source: string): BrowserVersion | null {
  const m = VERSION.exec(text);
  if (!m) return null;
  return { major: Number(m[1]), full: m[0], source };
}

/** Windows: the updater's `pv` value from `reg query <key> /s` output. */
export function versionFromRegistry(keys: readonly RegKey[], key: string): BrowserVersion | null {
  const entry = keys.find((k) => k.key.toLowerCase() === key.toLowerCase());
  const pv = entry?.values.get('pv');
  return typeof pv === 'string' ? parseBrowserVersion(pv, `${key}\\pv`) : null;
}

/**
 * Whether the agent (root) may run this file to ask its version: it and its real path must be
 * owned by root and writable by nobody else, so no other account can have put a program there.
 */
export function safeToRun(file: string): string | null {
  for (const path of new Set([file, realpathSync(file)])) {
    const st = statSync(path);
    if (!st.isFile()) return `${path} is not a file`;
    if (st.uid !== 0) return `${path} is not owned by root`;
    if ((st.mode & 0o022) !== 0) return `${path} can be written by other accounts`;
  }
  return null;
}

export async function readBrowserVersion(
  browser: ChromiumBrowser,
  os: PolicyOs,
  binaries = LINUX_BROWSER_BINARIES[browser],
): Promise<BrowserVersion | { unknown: string }> {
  const tried: string[] = [];
  if (os === 'linux') {
    for (const file of binaries) {
      if (!existsSync(file)) continue;
      const unsafe = safeToRun(file);
      if (unsafe) {
        tried.push(unsafe);
        continue;
      }
      try {
        const v = parseBrowserVersion(await runTool(file, ['--version']), `${file} --version`);
        if (v) return v;
        tried.push(`${file} --version gave no version`);
      } catch (error) {
        tried.push((error as Error).message);
      }
    }
    return { unknown: tried.join('; ') || `${BROWSER_NAMES[browser]} is not at ${binaries.join(', ')}` };
  }
  if (os === 'macos') {
    const plist = MAC_BROWSER_PLISTS[browser];
    if (!existsSync(plist)) return { unknown: `${plist} does not exist` };
    try {
      const out = await runTool('plutil', [
        '-extract',
        'CFBundleShortVersionString',
        'raw',
        '-o',
        '-',
        plist,
      ]);
      return (
        parseBrowserVersion(out, `${plist} CFBundleShortVersionString`) ?? {
          unknown: `${plist} holds no version`,
        }
      );
    } catch (error) {
      return { unknown: (error as Error).message };
    }
  }
  for (const key of WINDOWS_VERSION_KEYS[browser]) {
    try {
      const v = versionFromRegistry(await regQuery(key), key);
      if (v) return v;
      tried.push(`${key} has no version`);
    } catch (error) {
      tried.push((error as Error).message);
    }
  }
  return { unknown: tried.join('; ') || `${BROWSER_NAMES[browser]} registers no version on Windows` };
}

export async function readInstalledPolicy(
  browser: ChromiumBrowser,
  os: PolicyOs,
  extensionId = EXTENSION_ID,
): Promise<InstalledPolicy> {
  let installed: InstalledPolicy;
  if (os === 'linux') installed = readLinuxPolicy(browser);
  else if (os === 'windows')
    installed = policyFromRegistry(await regQuery(BROWSER_POLICY_LOCATIONS[browser].windows), browser);
  else
    installed = policyFromPlistJson(
      browser,
      await plutilJson(BROWSER_POLICY_LOCATIONS[browser].macos),
      await plutilJson(macExtensionPlist(browser, extensionId)),
      extensionId,
    );
  installed.version = await readBrowserVersion(browser, os);
  return installed;
}

// ---- the comparison ----

function showValue(v: unknown): string {
  if (v === undefined) return 'not set';
  const text = JSON.stringify(v);
  return `set to ${text.length > 80 ? `${text.slice(0, 80)}...` : text}`;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const TYPE_WORDS: Record<string, string> = {
  array: 'a list',
  string: 'text',
  boolean: 'true or false',
  integer: 'a whole number',
  number: 'a number',
  object: 'an object',
  null: 'null',
};

/** The extension's managed configuration: values Chrome would drop (wrong JSON type), then content rules. */
export function extensionConfigFindings(raw: unknown, extensionId = EXTENSION_ID): Finding[] {
  const base = `3rdparty.extensions.${extensionId}`;
  if (raw === undefined) return [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return [
      agentFinding(
        'extension-policy-invalid',
        `${base} must be an object of settings; the browser ignores it.`,
        {
          subject: base,
        },
      ),
    ];
  }
  const findings: Finding[] = [];
  const kept: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(raw as Record<string, unknown>)) {
    const want = EXTENSION_FIELD_TYPES[field]?.type;
    const got = jsonType(value);
    if (want && got !== want && !(want === 'number' && got === 'integer')) {
      findings.push(
        agentFinding(
          'extension-policy-invalid',
          `${field} in the extension's policy is ${TYPE_WORDS[got] ?? got} but must be ${TYPE_WORDS[want] ?? want}: the browser drops it, so the default applies.`,
          { subject: `${base}.${field}`, details: { field, expected: want, found: got } },
        ),
      );
      continue;
    }
    kept[field] = value;
  }
  for (const e of parsePolicy(kept).errors) {
    findings.push(
      agentFinding('extension-policy-invalid', `${e.field} in the extension's policy ${e.reason}.`, {
        subject: `${base}.${e.field}`,
        details: { field: e.field },
      }),
    );
  }
  return findings;
}

export interface PolicyCheckOptions {
  /** Policies the seat config relaxes (`policy.relax`): not required. */
  relax?: readonly string[];
  /** The version the running browser reports (the extension's compliance report), when known. */
  reportedVersion?: string;
}

/** The version the check goes by: the newer of the installed and the reported one (fail closed). */
export function effectiveVersion(
  installed: InstalledPolicy['version'],
  reported: string | undefined,
): BrowserVersion | null {
  const fromDisk = installed && 'major' in installed ? installed : null;
  const fromReport = reported ? parseBrowserVersion(reported, "the extension's report") : null;
  if (fromDisk && fromReport) return fromReport.major > fromDisk.major ? fromReport : fromDisk;
  return fromDisk ?? fromReport;
}

export function evaluateBrowserPolicy(
  installed: InstalledPolicy,
  extensionId = EXTENSION_ID,
  options: PolicyCheckOptions = {},
): CheckResult {
  const { browser, os } = installed;
  const name = BROWSER_NAMES[browser];
  const findings: Finding[] = [...installed.problems];
  if (!installed.found) {
    findings.push(
      agentFinding(
        'browser-policy',
        `No enterprise policy for ${name} is installed (looked in ${installed.where}).`,
        {
          subject: name,
          details: { where: installed.where },
        },
      ),
    );
    return checkResult(POLICY_CHECK.id, POLICY_CHECK.title, findings, '');
  }
  const version = effectiveVersion(installed.version, options.reportedVersion);
  if (!version) {
    const why = installed.version && 'unknown' in installed.version ? installed.version.unknown : 'not read';
    findings.push(
      agentFinding(
        'browser-policy-version-unknown',
        `${name}'s version could not be read (${why}), so every policy known for ${os} is required.`,
        { subject: name },
      ),
    );
  }
  const v = installed.values;
  const required = requiredPolicies(browser, os, version?.major ?? null, options.relax ?? []);
  for (const policy of required) {
    const req = policy.required;
    if (!req) continue;
    const policyName = browserPolicyName(browser, policy.key);
    const value = v[policyName];
    const alternative = (policy.alsoSatisfiedBy ?? []).find((alt) =>
      alt.satisfied(v[browserPolicyName(browser, alt.key)], extensionId),
    );
    if (req.satisfied(value, extensionId, browser) || alternative) {
      const deprecatedIn = browser === 'edge' ? policy.deprecated?.edge : policy.deprecated?.chromium;
      if (deprecatedIn !== undefined && version && version.major >= deprecatedIn && !alternative) {
        findings.push(
          agentFinding(
            'browser-policy-deprecated',
            `${policyName} is deprecated in ${name} ${deprecatedIn}; ${policy.deprecated?.replacedBy} replaces it and is not set.`,
            { subject: policy.key, details: { policy: policyName, where: installed.where } },
          ),
        );
      }
      continue;
    }
    const or = (policy.alsoSatisfiedBy ?? []).map((a) => browserPolicyName(browser, a.key));
    findings.push(
      agentFinding(
        'browser-policy',
        `${name}'s policy does not make sure that ${req.requirement}: ${policyName} should be ${req.expected}${or.length > 0 ? ` (or ${or.join(' or ')} set to the same effect)` : ''} but is ${showValue(value)}.`,
        { subject: policy.key, details: { policy: policyName, where: installed.where } },
      ),
    );
  }
  const third = v['3rdparty'] as { extensions?: Record<string, unknown> } | undefined;
  findings.push(...extensionConfigFindings(third?.extensions?.[extensionId], extensionId));
  const checked = POLICY_CHECKED_AGAINST[browser === 'edge' ? 'edge' : 'chromium'];
  const newer = version && version.major > checked ? `; the list was checked against ${checked}` : '';
  const which = version
    ? `${name} ${version.major}, from ${version.source}${newer}`
    : `${name}, version unknown`;
  return checkResult(
    POLICY_CHECK.id,
    POLICY_CHECK.title,
    findings,
    `${name}'s enterprise policy is in place (${installed.where}; ${required.length} policies required for ${which}): password saving and autofill off, the extension force-installed, incognito, developer tools and remote debugging off, the browser's own pages blocked, its AI, translation and search features off.`,
    failSummary(name, findings),
  );
}

/** A check line's summary holds 2000 characters: one sentence per problem would not fit an old policy's dozens. */
export function failSummary(name: string, findings: readonly Finding[]): string {
  const missing = findings.filter((f) => f.code === 'browser-policy' && f.details?.policy !== undefined);
  const others = findings.filter((f) => !missing.includes(f)).map((f) => f.message);
  const parts: string[] = [];
  if (missing.length === 1) parts.push(missing[0]?.message ?? '');
  else if (missing.length > 1)
    parts.push(
      `${name}'s policy is missing or wrong for ${missing.length} requirements: ${missing.map((f) => f.details?.policy).join(', ')}.`,
    );
  parts.push(...others);
  const text = parts.join(' ');
  return text.length <= 2000 ? text : `${text.slice(0, 1990)}...`;
}

/** The whole check for a seat: its browser, this OS, and what its config relaxes. */
export async function checkBrowserPolicy(
  config: AgentConfig,
  os: PolicyOs,
  extensionId: string,
  reportedVersion?: string,
): Promise<CheckResult> {
  if (config.browser.name === 'firefox') return checkFirefoxPolicy(os, extensionId);
  const installed = await readInstalledPolicy(config.browser.name, os, extensionId);
  return evaluateBrowserPolicy(installed, extensionId, {
    relax: config.policy?.relax ?? [],
    ...(reportedVersion !== undefined ? { reportedVersion } : {}),
  });
}
