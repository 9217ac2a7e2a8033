/**
 * `browser-policy`: is the managed browser's enterprise policy in place? Read where each OS keeps
 * it (JSON files on Linux, the registry on Windows, managed preferences on macOS), turned into the
 * one JSON shape Chromium uses, and compared with `REQUIRED_BROWSER_POLICIES` (the same list the
 * policy generator writes from, so the check never asks for what the generator leaves out).
 *
 * The extension's own managed configuration (`3rdparty.extensions.<id>`) is checked too: Chrome
 * silently drops a value of the wrong JSON type, and the extension then never sees it, so the agent
 * is the one place that can tell IT (`extension-policy-invalid`).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BROWSER_POLICY_LOCATIONS,
  browserPolicyName,
  type ChromiumBrowser,
  chromiumPolicy,
  forceInstalledBySettings,
  type PolicyOs,
  REQUIRED_BROWSER_POLICIES,
  WEB_STORE_UPDATE_URL,
} from '../../shared/catalogs/browser-policy.ts';
import { EXTENSION_ID } from '../../shared/constants.ts';
import type { CheckResult, Finding } from '../../shared/schemas/common.ts';
import { chromeManagedSchema, POLICY_DEFAULTS, parsePolicy } from '../../shared/schemas/policy.ts';
import { agentFinding, checkResult } from './results.ts';
import { type RegKey, registryTree, regQuery } from './windows-registry.ts';

export const POLICY_CHECK = { id: 'browser-policy', title: "The browser's enterprise policy is in place" };

export const BROWSER_NAMES: Record<ChromiumBrowser, string> = {
  chrome: 'Google Chrome',
  chromium: 'Chromium',
  edge: 'Microsoft Edge',
};

export interface InstalledPolicy {
  browser: ChromiumBrowser;
  /** Where it was read from (folder, registry key, plist). */
  where: string;
  /** False when no policy exists there at all. */
  found: boolean;
  /** The browser's policies, in Chromium's JSON shape. */
  values: Record<string, unknown>;
  /** Problems reading it (a policy file that is not JSON: the browser ignores that file). */
  problems: Finding[];
}

/** Linux: every *.json file in the managed-policy folder, merged as Chromium does. */
export function readLinuxPolicy(
  browser: ChromiumBrowser,
  dir = BROWSER_POLICY_LOCATIONS[browser].linux,
): InstalledPolicy {
  const result: InstalledPolicy = { browser, where: dir, found: false, values: {}, problems: [] };
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
          {
            subject: file,
          },
        ),
      );
      continue;
    }
    result.found = true;
    Object.assign(result.values, parsed);
  }
  return result;
}

/** The policy names whose values are true/false: the registry stores them as DWORD 0/1. */
const BOOLEAN_POLICIES = new Set(
  Object.entries(chromiumPolicy({ extensionPolicy: POLICY_DEFAULTS, updateUrl: WEB_STORE_UPDATE_URL }))
    .filter(([, v]) => typeof v === 'boolean')
    .map(([k]) => k),
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
  const result: InstalledPolicy = { browser, where, found: tree !== null, values: {}, problems: [] };
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

/** A registry string holding JSON (dictionary policies) becomes the object; other text stays text. */
function jsonText(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\s*[{[]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
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
  const result: InstalledPolicy = { browser, where, found: false, values: {}, problems: [] };
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

function plutilJson(file: string): Promise<string | null> {
  if (!existsSync(file)) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    execFile(
      'plutil',
      ['-convert', 'json', '-o', '-', file],
      { timeout: 15_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`plutil could not read ${file}: ${(stderr || error.message).trim()}`));
        else resolve(stdout);
      },
    );
  });
}

export async function readInstalledPolicy(
  browser: ChromiumBrowser,
  os: PolicyOs,
  extensionId = EXTENSION_ID,
): Promise<InstalledPolicy> {
  if (os === 'linux') return readLinuxPolicy(browser);
  if (os === 'windows')
    return policyFromRegistry(await regQuery(BROWSER_POLICY_LOCATIONS[browser].windows), browser);
  return policyFromPlistJson(
    browser,
    await plutilJson(BROWSER_POLICY_LOCATIONS[browser].macos),
    await plutilJson(macExtensionPlist(browser, extensionId)),
    extensionId,
  );
}

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

export function evaluateBrowserPolicy(installed: InstalledPolicy, extensionId = EXTENSION_ID): CheckResult {
  const name = BROWSER_NAMES[installed.browser];
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
  const v = installed.values;
  for (const req of REQUIRED_BROWSER_POLICIES) {
    const value = v[browserPolicyName(installed.browser, req.key)];
    const ok =
      req.satisfied(value, extensionId) ||
      (req.key === 'ExtensionInstallForcelist' &&
        forceInstalledBySettings(jsonText(v.ExtensionSettings), extensionId));
    if (!ok) {
      findings.push(
        agentFinding(
          'browser-policy',
          `${name}'s policy does not make sure that ${req.requirement}: ${browserPolicyName(installed.browser, req.key)} should be ${req.expected} but is ${showValue(value)}.`,
          {
            subject: req.key,
            details: { policy: req.key, where: installed.where },
          },
        ),
      );
    }
  }
  const third = v['3rdparty'] as { extensions?: Record<string, unknown> } | undefined;
  findings.push(...extensionConfigFindings(third?.extensions?.[extensionId], extensionId));
  return checkResult(
    POLICY_CHECK.id,
    POLICY_CHECK.title,
    findings,
    `${name}'s enterprise policy is in place (${installed.where}): password saving and autofill off, the extension force-installed, incognito and developer tools off.`,
  );
}
