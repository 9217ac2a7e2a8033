/**
 * `browser-policy` on a Firefox seat: Firefox's policy, read back where Firefox reads it and compared
 * with what `invigil policy --browser firefox` writes (`FIREFOX_POLICIES`, the one list). Every fixed
 * value must be there as written; the parts that are the centre's own (where the .xpi is served, the
 * extension's managed configuration, the allowed hosts) must have their shape: the add-on
 * force-installed and every other one blocked, every site blocked but the exceptions, and a managed
 * configuration for the add-on.
 *
 * Where Firefox reads it: `policies.json` (shared/catalogs/firefox-policy.ts, `FIREFOX_POLICY_LOCATIONS`) on
 * every OS and, on Windows, the registry too (Group Policy: `HKLM\SOFTWARE\Policies\Mozilla\Firefox`,
 * read with `reg query`). Firefox 153 takes both, the registry winning policy by policy
 * (EnterprisePoliciesParent.sys.mjs: a CombinedProvider, JSON first, then the registry), so the check
 * merges them the same way, after turning the registry into JSON as Firefox does (WindowsGPOParser) and
 * normalising values as Firefox's policy validator does (PolicySchemaValidator: 0/1 and "true"/"false"
 * for booleans, JSON text where the schema takes it).
 *
 * On macOS Firefox reads its preference domain too (`org.mozilla.firefox`: a configuration profile's
 * `/Library/Managed Preferences/org.mozilla.firefox.plist` over `/Library/Preferences/org.mozilla.firefox.plist`,
 * read here with `plutil -convert json`), but only when `EnterprisePoliciesEnabled` is true there; its
 * `__`-flattened keys are unflattened as macOSPoliciesParser does, and each policy found there replaces
 * policies.json's (the macOS provider is merged after the JSON one).
 */
import { readFileSync } from 'node:fs';
import type { PolicyOs } from '../../shared/catalogs/browser-policy.ts';
import {
  FIREFOX_JSON_TEXT_POLICIES,
  FIREFOX_MAC_ENABLE_KEY,
  FIREFOX_MAC_LIBRARY_PLIST,
  FIREFOX_MAC_MANAGED_PLIST,
  FIREFOX_POLICIES,
  FIREFOX_POLICY_LOCATIONS,
  FIREFOX_REGISTRY_KEY,
} from '../../shared/catalogs/firefox-policy.ts';
import { parseBoundedJson } from '../../shared/schemas/bounded-json.ts';
import type { CheckResult, Finding } from '../../shared/schemas/common.ts';
import { POLICY_DEFAULTS } from '../../shared/schemas/policy.ts';
import { POLICY_CHECK, plutilJson } from './browser-policy.ts';
import { agentFinding, checkResult } from './results.ts';
import { type RegKey, type RegValue, regQuery } from './windows-registry.ts';

/** policies.json is small; anything near this is not one IT wrote. */
const MAX_POLICY_CHARS = 1024 * 1024;

/** Options that give the fixed values as `invigil policy` writes them (the options do not change them). */
const SHAPE_OPTIONS = {
  extensionPolicy: { ...POLICY_DEFAULTS, allowedHosts: ['example.org'] },
  extensionId: 'invigil@example.org',
  installUrl: 'https://example.org/invigil.xpi',
  printing: false,
} satisfies Parameters<(typeof FIREFOX_POLICIES)[number]['value']>[0];

/** The generated policies: the shape Firefox's validator gives each value (booleans as booleans). */
const GENERATED_SHAPE: Record<string, unknown> = Object.fromEntries(
  FIREFOX_POLICIES.map((p) => [p.key, p.value(SHAPE_OPTIONS)]),
);

/** Policies whose value is the centre's own: checked by shape below, not compared. */
const CENTRE_OWN = new Set(['ExtensionSettings', '3rdparty', 'WebsiteFilter', 'PrintingEnabled']);

export interface FirefoxPolicyFile {
  where: string;
  /** The file's text, or null when it is not there. */
  text: string | null;
}

export function readFirefoxPolicyFile(os: PolicyOs): FirefoxPolicyFile {
  const where = FIREFOX_POLICY_LOCATIONS[os];
  try {
    return { where, text: readFileSync(where, 'utf8') };
  } catch {
    return { where, text: null };
  }
}

/** Policy JSON (a file, or JSON text in the registry), bounded before it is parsed. */
const boundedJson = (text: string) => parseBoundedJson(text, { maxLength: MAX_POLICY_CHARS, maxDepth: 16 });

const record = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
    );
  }
  const ra = record(a);
  const rb = record(b);
  if (ra || rb) {
    if (!ra || !rb) return false;
    const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
    return [...keys].every((k) => sameJson(ra[k], rb[k]));
  }
  return a === b;
}

const show = (v: unknown) => {
  if (v === undefined) return 'not set';
  const text = JSON.stringify(v);
  return `set to ${text.length > 80 ? `${text.slice(0, 80)}...` : text}`;
};

/**
 * The registry's Firefox policy as Firefox turns it into JSON (WindowsGPOParser.sys.mjs): a key whose
 * first value is named "1" is the list of its values, one whose first subkey is named "1" is a list of
 * objects, any other key an object of its values and subkeys; REG_MULTI_SZ is JSON text (its lines
 * joined; text that is not JSON is dropped, as Firefox drops it), REG_DWORD a number, REG_SZ text.
 * Null when the key does not exist.
 */
export function firefoxRegistryPolicies(
  keys: readonly RegKey[],
  root = FIREFOX_REGISTRY_KEY,
): Record<string, unknown> | null {
  type Node = { values: RegKey['values']; children: Map<string, Node> };
  const top: Node = { values: new Map(), children: new Map() };
  const rootLower = root.toLowerCase();
  let found = false;
  for (const k of keys) {
    const lower = k.key.toLowerCase();
    if (lower !== rootLower && !lower.startsWith(`${rootLower}\\`)) continue;
    found = true;
    let node = top;
    for (const seg of k.key.slice(root.length).split('\\').filter(Boolean)) {
      let next = node.children.get(seg);
      if (!next) {
        next = { values: new Map(), children: new Map() };
        node.children.set(seg, next);
      }
      node = next;
    }
    for (const [n, v] of k.values) node.values.set(n, v);
  }
  if (!found) return null;
  const value = (v: RegValue | undefined): unknown => {
    if (!Array.isArray(v)) return v;
    const parsed = boundedJson(v.join('\n'));
    return parsed.ok ? parsed.value : undefined;
  };
  const convert = (node: Node): unknown => {
    const names = [...node.values.keys()].filter((n) => n !== '');
    if (names[0] === '1') return names.map((n) => value(node.values.get(n)));
    const children = [...node.children.keys()];
    if (names.length === 0 && children[0] === '1') {
      return children.sort((a, b) => Number(a) - Number(b)).map((n) => convert(node.children.get(n) as Node));
    }
    const out: Record<string, unknown> = {};
    for (const n of names) {
      const v = value(node.values.get(n));
      if (v !== undefined) out[n] = v;
    }
    for (const [n, child] of node.children) out[n] = convert(child);
    return out;
  };
  return convert(top) as Record<string, unknown>;
}

/** `plutil -convert json -o - <plist>` output of one of Firefox's macOS preference files (null: no file). */
export interface FirefoxMacPlist {
  where: string;
  json: string | null;
}

export interface FirefoxMacPolicies {
  /** The policies Firefox takes from its preference domain; null when it takes none. */
  policies: Record<string, unknown> | null;
  /** Which file each policy came from (the managed one wins a key both hold). */
  source: Map<string, string>;
  /** Problems IT must fix: Firefox may not take what is there. */
  problems: string[];
  /** Why Firefox takes none of the settings there (no `EnterprisePoliciesEnabled`): told when the check fails. */
  ignored?: string;
}

/** What NSUserDefaults' boolForKey takes as YES: a non-zero number, or text starting Y/y/T/t or a non-zero digit. */
function macBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  return typeof v === 'string' && /^\s*([yYtT]|[+-]?0*[1-9])/.test(v);
}

/**
 * Firefox's policies from its macOS preference domain, as nsMacPreferencesReader and macOSPoliciesParser
 * read them: the device's managed preferences over the machine-wide domain key by key, nothing unless
 * `EnterprisePoliciesEnabled` is true, and `A__B__C` keys unflattened into `A.B.C` (numbers make lists;
 * indexes above 50 are passed over, as Firefox passes over them). Firefox unflattens in the dictionary's own order,
 * which nobody controls: a flattened key that reaches into a policy also set whole is applied on top of
 * it here (the weaker of Firefox's two possible outcomes), and one that reaches into a value that is not
 * an object (Firefox then throws and takes no macOS policy at all) is a problem.
 */
export function firefoxMacPolicies(managed: FirefoxMacPlist, library?: FirefoxMacPlist): FirefoxMacPolicies {
  const out: FirefoxMacPolicies = { policies: null, source: new Map(), problems: [] };
  const merged: Record<string, unknown> = {};
  for (const plist of [library, managed]) {
    if (!plist || plist.json === null) continue;
    const parsed = boundedJson(plist.json);
    const dict = parsed.ok ? record(parsed.value) : undefined;
    if (!dict) {
      out.problems.push(
        `${plist.where} could not be read as a property list of settings (${parsed.ok ? 'not a dictionary' : parsed.reason}).`,
      );
      continue;
    }
    for (const [k, v] of Object.entries(dict)) {
      merged[k] = v;
      out.source.set(k, plist.where);
    }
  }
  if (!macBool(merged[FIREFOX_MAC_ENABLE_KEY])) {
    if (out.source.size > 0) {
      const files = [...new Set(out.source.values())];
      out.ignored = `${files.join(' and ')} ${files.length === 1 ? 'has' : 'have'} Firefox settings but not ${FIREFOX_MAC_ENABLE_KEY} true, so Firefox ignores every policy there.`;
    }
    out.source.clear();
    return out;
  }
  const policies: Record<string, unknown> = {};
  const flat: [string, unknown][] = [];
  for (const [k, v] of Object.entries(merged)) {
    if (k === FIREFOX_MAC_ENABLE_KEY) continue;
    if (k.includes('__')) flat.push([k, v]);
    else policies[k] = structuredClone(v);
  }
  const validIndex = (sub: string) => Number.isNaN(Number(sub)) || Number(sub) <= 50;
  for (const [key, value] of flat) {
    const subkeys = key.split('__');
    const top = subkeys[0] ?? '';
    const last = subkeys[subkeys.length - 1] ?? '';
    if (!validIndex(last)) continue;
    let obj: Record<string, unknown> = policies;
    let broken = false;
    for (let i = 0; i < subkeys.length - 1; i++) {
      const sub = subkeys[i] ?? '';
      // Firefox logs an index above 50 on the way down and goes on from where it was. Only own keys:
      // "constructor__prototype__x" must not reach Object.prototype in the agent.
      if (!validIndex(sub)) continue;
      if (!Object.hasOwn(obj, sub) || !obj[sub])
        obj[sub] = Number.isInteger(Number(subkeys[i + 1])) ? [] : {};
      const next = obj[sub];
      if (typeof next !== 'object' || next === null) {
        broken = true;
        break;
      }
      obj = next as Record<string, unknown>;
    }
    if (broken) {
      out.problems.push(
        `${out.source.get(key)} has "${key}", which reaches into a setting that is not a dictionary: Firefox then fails to read its preference domain and may take no macOS policy at all.`,
      );
      continue;
    }
    obj[last] = value;
    if (!out.source.has(top) || out.source.get(key) === FIREFOX_MAC_MANAGED_PLIST)
      out.source.set(top, out.source.get(key) ?? managed.where);
  }
  out.policies = policies;
  return out;
}

/**
 * A value as Firefox's policy validator normalises it before validating (PolicySchemaValidator.sys.mjs),
 * shaped by the value `invigil policy` writes there: a boolean may come as 0/1 (REG_DWORD) or as
 * "true"/"false"; JSON text is parsed where the schema takes it (`jsonText`).
 */
function asFirefoxReads(value: unknown, like: unknown, jsonText = false): unknown {
  if (jsonText && typeof value === 'string') {
    const parsed = boundedJson(value);
    return parsed.ok ? asFirefoxReads(parsed.value, like) : value;
  }
  if (typeof like === 'boolean') {
    if (value === 0 || value === 1) return value === 1;
    if (typeof value === 'string' && /^\s*(true|false)\s*$/i.test(value)) return /true/i.test(value);
    return value;
  }
  const l = record(like);
  const v = record(value);
  if (l && v) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k in l ? asFirefoxReads(x, l[k]) : x]));
  }
  return value;
}

/** Every policy Firefox takes, normalised as Firefox does; `3rdparty.Extensions.<id>` may be JSON text. */
function normalisePolicies(
  policies: Record<string, unknown>,
  like: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(policies)) {
    out[key] = asFirefoxReads(value, like[key], FIREFOX_JSON_TEXT_POLICIES.has(key));
  }
  const extensions = record(record(out['3rdparty'])?.Extensions);
  if (extensions) {
    const parsed = Object.fromEntries(
      Object.entries(extensions).map(([id, v]) => [id, asFirefoxReads(v, {}, true)]),
    );
    out['3rdparty'] = { ...record(out['3rdparty']), Extensions: parsed };
  }
  return out;
}

/** The policies.json file's policies, or why Firefox cannot use it (then Firefox ignores the file). */
function fromFile(
  file: FirefoxPolicyFile,
): { policies: Record<string, unknown> } | { problem: string } | null {
  if (file.text === null) return null;
  const parsed = boundedJson(file.text);
  const policies = parsed.ok ? record(record(parsed.value)?.policies) : undefined;
  if (policies) return { policies };
  return { problem: parsed.ok ? 'it has no "policies" object' : parsed.reason };
}

/**
 * The check. `registry`: on Windows, `reg query` of `FIREFOX_REGISTRY_KEY` (empty where the key does
 * not exist); undefined elsewhere (Firefox reads no registry there). `mac`: on macOS, Firefox's
 * preference domain (`firefoxMacPolicies`). Each finding names where to set the policy: the platform's
 * source (registry key, managed preferences) when it holds that policy or any Firefox policy at all
 * (its values win), the file otherwise.
 */
export function evaluateFirefoxPolicy(
  file: FirefoxPolicyFile,
  extensionId: string,
  registry?: readonly RegKey[],
  mac?: FirefoxMacPolicies,
): CheckResult {
  const name = 'Firefox';
  const fromRegistry = registry ? firefoxRegistryPolicies(registry) : null;
  const platform: { where: string; policies: Record<string, unknown> } | null = fromRegistry
    ? { where: FIREFOX_REGISTRY_KEY, policies: fromRegistry }
    : mac?.policies
      ? { where: FIREFOX_MAC_MANAGED_PLIST, policies: mac.policies }
      : null;
  const whereOf = (policy?: string): string =>
    (policy && mac?.policies && mac.source.get(policy)) || (platform ? platform.where : file.where);
  const missing = (message: string, policy?: string): Finding =>
    agentFinding('browser-policy', message, {
      subject: policy ?? name,
      details: policy ? { policy, where: whereOf(policy) } : { where: whereOf() },
    });
  const macProblems = (mac?.problems ?? []).map((m) => missing(m));
  const ignored = mac?.ignored ? [missing(mac.ignored)] : [];
  const json = fromFile(file);
  if (!platform && json === null) {
    const looked = registry
      ? `${FIREFOX_REGISTRY_KEY} and ${file.where}`
      : mac
        ? `${FIREFOX_MAC_MANAGED_PLIST}, ${FIREFOX_MAC_LIBRARY_PLIST} and ${file.where}`
        : file.where;
    return checkResult(
      POLICY_CHECK.id,
      POLICY_CHECK.title,
      [
        ...macProblems,
        ...ignored,
        missing(`No enterprise policy for Firefox is installed (looked for ${looked}).`),
      ],
      '',
    );
  }
  if (!platform && json !== null && 'problem' in json) {
    return checkResult(
      POLICY_CHECK.id,
      POLICY_CHECK.title,
      [
        ...macProblems,
        ...ignored,
        missing(
          `${file.where} is not a Firefox policy file Firefox can use (${json.problem}), so Firefox ignores it.`,
        ),
      ],
      '',
    );
  }
  // Firefox's merge: the file's policies, then the platform's, each platform policy replacing the file's.
  const merged = { ...(json && 'policies' in json ? json.policies : {}), ...(platform?.policies ?? {}) };
  const policies = normalisePolicies(merged, GENERATED_SHAPE);
  const findings: Finding[] = [...macProblems];
  for (const p of FIREFOX_POLICIES) {
    if (CENTRE_OWN.has(p.key)) continue;
    const want = p.value({ ...SHAPE_OPTIONS, extensionId });
    if (!sameJson(policies[p.key], want)) {
      findings.push(
        missing(
          `Firefox's policy does not make sure of this: ${p.purpose} ${p.key} should be ${show(want)} but is ${show(policies[p.key])}.`,
          p.key,
        ),
      );
    }
  }
  const ext = record(policies.ExtensionSettings);
  const ours = record(ext?.[extensionId]);
  if (ours?.installation_mode !== 'force_installed' || typeof ours.install_url !== 'string') {
    findings.push(
      missing(
        `Firefox's policy does not force-install the Invigil add-on: ExtensionSettings["${extensionId}"] should have installation_mode "force_installed" and an install_url, but is ${show(ours)}.`,
        'ExtensionSettings',
      ),
    );
  }
  if (record(ext?.['*'])?.installation_mode !== 'blocked') {
    findings.push(
      missing(
        `Firefox's policy lets other add-ons be installed: ExtensionSettings["*"] should have installation_mode "blocked" but is ${show(ext?.['*'])}.`,
        'ExtensionSettings',
      ),
    );
  }
  // An entry of its own lets an add-on in whatever "*" says (Firefox's mayInstallAddon asks the add-on's entry first).
  const others = Object.entries(ext ?? {})
    .filter(([id, v]) => id !== '*' && id !== extensionId && record(v)?.installation_mode !== 'blocked')
    .map(([id]) => id);
  if (others.length > 0) {
    findings.push(
      missing(
        `Firefox's policy lets other add-ons in: ExtensionSettings allows ${others.map((id) => `"${id}"`).join(', ')}; every add-on but Invigil's must be blocked.`,
        'ExtensionSettings',
      ),
    );
  }
  const filter = record(policies.WebsiteFilter);
  if (!Array.isArray(filter?.Block) || !filter.Block.includes('<all_urls>')) {
    findings.push(
      missing(
        `Firefox's policy does not keep other sites out: WebsiteFilter.Block should hold "<all_urls>" but WebsiteFilter is ${show(filter)}.`,
        'WebsiteFilter',
      ),
    );
  }
  const managed = record(record(record(policies['3rdparty'])?.Extensions)?.[extensionId]);
  if (!managed) {
    findings.push(
      missing(
        `Firefox's policy has no configuration for the Invigil add-on (3rdparty.Extensions["${extensionId}"]): the add-on would enforce its defaults, not the centre's allowed hosts.`,
        '3rdparty',
      ),
    );
  }
  const platformSources = mac?.policies
    ? [...new Set(mac.source.values())]
    : platform
      ? [platform.where]
      : [];
  const sources = [...platformSources, json && 'policies' in json ? file.where : null]
    .filter(Boolean)
    .join(' and ');
  const summary = `Firefox's enterprise policy is in place (${sources}; ${FIREFOX_POLICIES.length} policies): the add-on force-installed and every other one blocked, other sites filtered, password saving and autofill off, developer tools, private windows, about:config, about:addons, about:profiles and safe mode off, its AI and translation features off.`;
  if (findings.length > 0) findings.push(...ignored);
  const failed = findings.map((f) => f.message).join(' ');
  return checkResult(
    POLICY_CHECK.id,
    POLICY_CHECK.title,
    findings,
    summary,
    failed.length <= 2000 ? failed : `${failed.slice(0, 1990)}...`,
  );
}

export async function checkFirefoxPolicy(os: PolicyOs, extensionId: string): Promise<CheckResult> {
  const registry = os === 'windows' ? await regQuery(FIREFOX_REGISTRY_KEY) : undefined;
  const mac =
    os === 'macos'
      ? firefoxMacPolicies(
          { where: FIREFOX_MAC_MANAGED_PLIST, json: await plutilJson(FIREFOX_MAC_MANAGED_PLIST) },
          { where: FIREFOX_MAC_LIBRARY_PLIST, json: await plutilJson(FIREFOX_MAC_LIBRARY_PLIST) },
        )
      : undefined;
  return evaluateFirefoxPolicy(readFirefoxPolicyFile(os), extensionId, registry, mac);
}
