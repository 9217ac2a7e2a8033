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
 * On macOS Firefox reads its preference domain too (`org.mozilla.firefox`, through NSUserDefaults: a
 * configuration profile's `/Library/Managed Preferences/org.mozilla.firefox.plist` (and a user-scope
 * profile's, per account) over the signed-in account's own files over `/Library/Preferences`, read here
 * with `plutil -convert json`), but only when `EnterprisePoliciesEnabled` is true there; its
 * `__`-flattened keys are unflattened as macOSPoliciesParser does, and each policy found there replaces
 * policies.json's (the macOS provider is merged after the JSON one). The account's own files are the
 * candidate's to write: a policy key Firefox takes from one is a finding of its own, and so is their
 * `EnterprisePoliciesEnabled` false where it switches /Library/Preferences' policy off. NSUserDefaults'
 * argument domain (`firefox -BlockAboutConfig NO`) is the process's, not a file: the launch audit names
 * those arguments (link-trust/launch-audit.ts, `firefoxPolicyArguments`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { PolicyOs } from '../../shared/catalogs/browser-policy.ts';
import {
  FIREFOX_153_POLICY_NAMES,
  FIREFOX_JSON_TEXT_POLICIES,
  FIREFOX_MAC_DOMAIN,
  FIREFOX_MAC_ENABLE_KEY,
  FIREFOX_MAC_LIBRARY_PLIST,
  FIREFOX_MAC_MANAGED_PLIST,
  FIREFOX_POLICIES,
  FIREFOX_POLICY_LOCATIONS,
  FIREFOX_REGISTRY_KEY,
  firefoxMacManagedUserPlist,
  firefoxMacUserPlists,
} from '../../shared/catalogs/firefox-policy.ts';
import { parseBoundedJson } from '../../shared/schemas/bounded-json.ts';
import type { CheckResult, Finding } from '../../shared/schemas/common.ts';
import { POLICY_DEFAULTS } from '../../shared/schemas/policy.ts';
import { POLICY_CHECK, plutilJson, runTool } from './browser-policy.ts';
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

/** "A, B and C"; past eight names, how many more. */
function listed(names: readonly string[]): string {
  const shown = names.length > 8 ? [...names.slice(0, 7), `${names.length - 7} more`] : [...names];
  return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
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

/** The preference files beyond the device's managed one and /Library/Preferences. */
export interface FirefoxMacMoreSources {
  /** A user-scope configuration profile's payload for the signed-in account (an administrator's). */
  managedUser?: FirefoxMacPlist;
  /**
   * The signed-in account's own files of Firefox's domain, which the account itself can write: its
   * domain (any host), then its ByHost files, lowest first.
   */
  user?: readonly FirefoxMacPlist[];
  /** The account's global domain (`defaults write -g`): below every file of Firefox's own domain. */
  userGlobal?: FirefoxMacPlist;
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
  /**
   * The account's own files whose settings Firefox takes (no file above sets the same key): each with
   * those keys, as the file spells them. Empty when Firefox takes no macOS policy at all.
   */
  fromUser: { where: string; keys: string[] }[];
  /**
   * The account's own file whose `EnterprisePoliciesEnabled` (not true) Firefox takes over the one in
   * /Library/Preferences that turned policy on, and the value it has: the candidate switched IT's policy
   * there off. A configuration profile's value is forced and wins over it; the global domain is below.
   */
  disabledByUser?: { where: string; value: unknown };
}

/** What NSUserDefaults' boolForKey takes as YES: a non-zero number, or text starting Y/y/T/t or a non-zero digit. */
function macBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  return typeof v === 'string' && /^\s*([yYtT]|[+-]?0*[1-9])/.test(v);
}

/** Whether Firefox 153 takes `key` of its preference domain as policy (or as the switch that turns them on). */
const isPolicyKey = (key: string) =>
  key === FIREFOX_MAC_ENABLE_KEY || FIREFOX_153_POLICY_NAMES.has(key.split('__')[0] ?? '');

/** Whether the administrator's files alone (the account's own left out) turn Firefox's macOS policy on. */
function machineEnabled(layers: readonly (FirefoxMacPlist | undefined)[], userFiles: ReadonlySet<string>) {
  let value: unknown;
  for (const plist of layers) {
    if (!plist || plist.json === null || userFiles.has(plist.where)) continue;
    const parsed = boundedJson(plist.json);
    const dict = parsed.ok ? record(parsed.value) : undefined;
    if (dict && Object.hasOwn(dict, FIREFOX_MAC_ENABLE_KEY)) value = dict[FIREFOX_MAC_ENABLE_KEY];
  }
  return macBool(value);
}

/**
 * Firefox's policies from its macOS preference domain, as nsMacPreferencesReader and macOSPoliciesParser
 * read them (through NSUserDefaults' search list): key by key, the account's global domain, then
 * /Library/Preferences, then the account's own files of the domain, then the managed preferences of a
 * user-scope profile and of the device above all; nothing unless `EnterprisePoliciesEnabled` is true, and
 * `A__B__C` keys unflattened into `A.B.C` (numbers make lists; indexes above 50 are passed over, as
 * Firefox passes over them). Of the account's own files only the keys Firefox takes as policy count
 * (`FIREFOX_153_POLICY_NAMES`): the rest are the account's other settings, which Firefox drops. Firefox
 * unflattens in the dictionary's own order, which nobody controls: a flattened key that reaches into a
 * policy also set whole is applied on top of it here (the weaker of Firefox's two possible outcomes), and
 * one that reaches into a value that is not an object (Firefox then throws and takes no macOS policy at
 * all) is a problem.
 */
export function firefoxMacPolicies(
  managed: FirefoxMacPlist,
  library?: FirefoxMacPlist,
  more: FirefoxMacMoreSources = {},
): FirefoxMacPolicies {
  const out: FirefoxMacPolicies = { policies: null, source: new Map(), problems: [], fromUser: [] };
  const merged: Record<string, unknown> = {};
  const userFiles = new Set(
    [more.userGlobal, ...(more.user ?? [])].filter((p) => p !== undefined).map((p) => p.where),
  );
  const layers = [more.userGlobal, library, ...(more.user ?? []), more.managedUser, managed];
  for (const plist of layers) {
    if (!plist || plist.json === null) continue;
    const parsed = boundedJson(plist.json);
    const dict = parsed.ok ? record(parsed.value) : undefined;
    if (!dict) {
      out.problems.push(
        `${plist.where} could not be read as a property list of settings (${parsed.ok ? 'not a dictionary' : parsed.reason}).`,
      );
      continue;
    }
    const ownedByUser = userFiles.has(plist.where);
    for (const [k, v] of Object.entries(dict)) {
      if (ownedByUser && !isPolicyKey(k)) continue;
      merged[k] = v;
      out.source.set(k, plist.where);
    }
  }
  if (!macBool(merged[FIREFOX_MAC_ENABLE_KEY])) {
    const by = out.source.get(FIREFOX_MAC_ENABLE_KEY);
    if (by && userFiles.has(by) && machineEnabled(layers, userFiles)) {
      out.disabledByUser = { where: by, value: merged[FIREFOX_MAC_ENABLE_KEY] };
    }
    if (out.source.size > 0) {
      const files = [...new Set(out.source.values())];
      out.ignored = `${files.join(' and ')} ${files.length === 1 ? 'has' : 'have'} Firefox settings but not ${FIREFOX_MAC_ENABLE_KEY} true, so Firefox ignores every policy there.`;
    }
    out.source.clear();
    return out;
  }
  const byUserFile = new Map<string, string[]>();
  for (const [k, where] of out.source) {
    if (userFiles.has(where)) byUserFile.set(where, [...(byUserFile.get(where) ?? []), k]);
  }
  out.fromUser = [...byUserFile].map(([where, keys]) => ({ where, keys }));
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
    // The policy is named where what changed it comes from: the account's own file when a flattened key
    // of it reached in (that is what to delete), else the file above the one that set the policy whole.
    const at = out.source.get(key) ?? managed.where;
    const rank = (where: string | undefined) => layers.findIndex((p) => p?.where === where);
    if (!out.source.has(top) || userFiles.has(at) || rank(at) > rank(out.source.get(top)))
      out.source.set(top, at);
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
  // Settings the candidate's own account gave Firefox: a block of their own, whatever their values
  // (the account can change them at any moment, and Firefox reads them at each start).
  const fromUser = (mac?.fromUser ?? []).map(({ where, keys }) =>
    agentFinding(
      'browser-policy',
      `The candidate can change Firefox's policy on this Mac: ${where}, in the signed-in account's own preferences, sets ${listed(keys)}, and Firefox takes policy from there, over policies.json and /Library/Preferences. Delete that file, and install Firefox's policy as a configuration profile: only a profile's settings win over the account's own.`,
      { subject: name, details: { where } },
    ),
  );
  // The candidate's own EnterprisePoliciesEnabled NO: IT's /Library/Preferences policy is off, whatever
  // policies.json still holds (and the account can turn it back on, with its own settings, at any moment).
  const disabled = mac?.disabledByUser
    ? [
        agentFinding(
          'browser-policy',
          `The candidate has switched off Firefox's policy in ${FIREFOX_MAC_LIBRARY_PLIST}: ${mac.disabledByUser.where}, in the signed-in account's own preferences, sets ${FIREFOX_MAC_ENABLE_KEY} to ${JSON.stringify(mac.disabledByUser.value)}, which Firefox takes over ${FIREFOX_MAC_LIBRARY_PLIST}, so only policies.json counts. Delete that file, and install Firefox's policy as a configuration profile: only a profile's settings win over the account's own.`,
          { subject: name, details: { where: mac.disabledByUser.where, policy: FIREFOX_MAC_ENABLE_KEY } },
        ),
      ]
    : [];
  // Said once the account's switch is named: that is why Firefox ignores the rest.
  const ignoredNow = disabled.length > 0 ? [] : ignored;
  const json = fromFile(file);
  // No policy Firefox takes (the account's own files count only once Firefox takes macOS policy).
  const none = (message: string) =>
    checkResult(
      POLICY_CHECK.id,
      POLICY_CHECK.title,
      [...macProblems, ...disabled, ...ignoredNow, missing(message)],
      '',
    );
  if (!platform && json === null) {
    const looked = registry
      ? `${FIREFOX_REGISTRY_KEY} and ${file.where}`
      : mac
        ? `${FIREFOX_MAC_MANAGED_PLIST}, ${FIREFOX_MAC_LIBRARY_PLIST} and ${file.where}`
        : file.where;
    return none(`No enterprise policy for Firefox is installed (looked for ${looked}).`);
  }
  if (!platform && json !== null && 'problem' in json) {
    return none(
      `${file.where} is not a Firefox policy file Firefox can use (${json.problem}), so Firefox ignores it.`,
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
  findings.push(...fromUser, ...disabled);
  if (findings.length > 0) findings.push(...ignoredNow);
  const failed = findings.map((f) => f.message).join(' ');
  return checkResult(
    POLICY_CHECK.id,
    POLICY_CHECK.title,
    findings,
    summary,
    failed.length <= 2000 ? failed : `${failed.slice(0, 1990)}...`,
  );
}

/** What reading macOS's preference files takes: the tools, and a folder's listing. */
export interface MacPreferencesIo {
  /** Runs a macOS tool (stat, dscl) and gives its standard output. */
  run(file: string, args: readonly string[]): Promise<string>;
  /** `plutil -convert json -o - <file>` (null when there is no such file). */
  plutilJson(file: string): Promise<string | null>;
  /** A folder's entries (none when it is not there). */
  list(dir: string): string[];
}

const REAL_MAC_IO: MacPreferencesIo = {
  run: runTool,
  plutilJson,
  list: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
};

/**
 * `dscl . -read /Users/<name> NFSHomeDirectory`: the account's home folder. dscl prints the value after
 * the name, or on a line of its own (indented) when it has a space. Null when there is none.
 */
export function parseDsclHome(text: string): string | null {
  const m = /^NFSHomeDirectory:[ \t]*(?:\r?\n[ \t]+)?(\S.*?)[ \t]*$/m.exec(text);
  const home = m?.[1];
  return home?.startsWith('/') ? home : null;
}

/** A macOS short name, as `stat -f %Su /dev/console` prints the console's owner. */
const MAC_ACCOUNT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const BY_HOST_FILE = new RegExp(`^${FIREFOX_MAC_DOMAIN.replaceAll('.', '\\.')}\\.[0-9A-Fa-f-]+\\.plist$`);

/**
 * Every macOS preference file Firefox takes policy from, for the account signed in at the screen (the
 * owner of /dev/console; the one whose Firefox the candidate uses): the device's managed preferences,
 * /Library/Preferences, a user-scope profile's for that account, and the account's own files (its
 * domain, ByHost files and global domain), which the account can write. At the login window (the
 * console is root's) nobody's Firefox runs, and only the machine's files are read.
 */
export async function readFirefoxMacPolicies(
  io: MacPreferencesIo = REAL_MAC_IO,
): Promise<FirefoxMacPolicies> {
  const read = async (where: string): Promise<FirefoxMacPlist> => ({
    where,
    json: await io.plutilJson(where),
  });
  const managed = await read(FIREFOX_MAC_MANAGED_PLIST);
  const library = await read(FIREFOX_MAC_LIBRARY_PLIST);
  const account = (await io.run('stat', ['-f', '%Su', '/dev/console'])).trim();
  if (account === '' || account === 'root') return firefoxMacPolicies(managed, library);
  if (!MAC_ACCOUNT.test(account)) {
    throw new Error(
      `the account signed in at the screen has a name no Mac account has: ${JSON.stringify(account)}`,
    );
  }
  const home = parseDsclHome(await io.run('dscl', ['.', '-read', `/Users/${account}`, 'NFSHomeDirectory']));
  if (!home)
    throw new Error(`dscl gave no home folder for ${account}, so its Firefox settings could not be read`);
  const files = firefoxMacUserPlists(home);
  const byHost = io
    .list(files.byHostDir)
    .filter((n) => BY_HOST_FILE.test(n))
    .sort()
    .map((n) => `${files.byHostDir}/${n}`);
  const user = [await read(files.app)];
  for (const f of byHost) user.push(await read(f));
  return firefoxMacPolicies(managed, library, {
    managedUser: await read(firefoxMacManagedUserPlist(account)),
    user,
    userGlobal: await read(files.global),
  });
}

export async function checkFirefoxPolicy(os: PolicyOs, extensionId: string): Promise<CheckResult> {
  const registry = os === 'windows' ? await regQuery(FIREFOX_REGISTRY_KEY) : undefined;
  const mac = os === 'macos' ? await readFirefoxMacPolicies() : undefined;
  return evaluateFirefoxPolicy(readFirefoxPolicyFile(os), extensionId, registry, mac);
}
