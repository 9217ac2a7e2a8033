/**
 * `browser-policy` on a Firefox seat: Firefox's `policies.json`, read back where Firefox reads it
 * (shared/catalogs/firefox-policy.ts, `FIREFOX_POLICY_LOCATIONS`) and compared with what `invigil policy
 * --browser firefox` writes (`FIREFOX_POLICIES`, the one list). Every fixed value must be there as
 * written; the parts that are the centre's own (where the .xpi is served, the extension's managed
 * configuration, the allowed hosts) must have their shape: the add-on force-installed and every other
 * one blocked, every site blocked but the exceptions, and a managed configuration for the add-on.
 */
import { readFileSync } from 'node:fs';
import type { PolicyOs } from '../../shared/catalogs/browser-policy.ts';
import { FIREFOX_POLICIES, FIREFOX_POLICY_LOCATIONS } from '../../shared/catalogs/firefox-policy.ts';
import { parseBoundedJson } from '../../shared/schemas/bounded-json.ts';
import type { CheckResult, Finding } from '../../shared/schemas/common.ts';
import { POLICY_DEFAULTS } from '../../shared/schemas/policy.ts';
import { POLICY_CHECK } from './browser-policy.ts';
import { agentFinding, checkResult } from './results.ts';

/** policies.json is small; anything near this is not one IT wrote. */
const MAX_POLICY_CHARS = 1024 * 1024;

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

export function evaluateFirefoxPolicy(file: FirefoxPolicyFile, extensionId: string): CheckResult {
  const name = 'Firefox';
  const missing = (message: string, policy?: string): Finding =>
    agentFinding('browser-policy', message, {
      subject: policy ?? name,
      details: policy ? { policy, where: file.where } : { where: file.where },
    });
  if (file.text === null) {
    return checkResult(
      POLICY_CHECK.id,
      POLICY_CHECK.title,
      [missing(`No enterprise policy for Firefox is installed (looked for ${file.where}).`)],
      '',
    );
  }
  const parsed = parseBoundedJson(file.text, { maxLength: MAX_POLICY_CHARS, maxDepth: 16 });
  const policies = parsed.ok ? record(record(parsed.value)?.policies) : undefined;
  if (!policies) {
    const why = parsed.ok ? 'it has no "policies" object' : parsed.reason;
    return checkResult(
      POLICY_CHECK.id,
      POLICY_CHECK.title,
      [
        missing(
          `${file.where} is not a Firefox policy file Firefox can use (${why}), so Firefox ignores it.`,
        ),
      ],
      '',
    );
  }
  const findings: Finding[] = [];
  // The fixed values, as `invigil policy` writes them (the options do not change them).
  const options = {
    extensionPolicy: { ...POLICY_DEFAULTS, allowedHosts: ['example.org'] },
    extensionId,
    installUrl: 'https://example.org/invigil.xpi',
    printing: false,
  } as Parameters<(typeof FIREFOX_POLICIES)[number]['value']>[0];
  for (const p of FIREFOX_POLICIES) {
    if (CENTRE_OWN.has(p.key)) continue;
    const want = p.value(options);
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
  const summary = `Firefox's enterprise policy is in place (${file.where}; ${FIREFOX_POLICIES.length} policies): the add-on force-installed and every other one blocked, other sites filtered, password saving and autofill off, developer tools, private windows, about:config, about:addons, about:profiles and safe mode off, its AI and translation features off.`;
  const failed = findings.map((f) => f.message).join(' ');
  return checkResult(
    POLICY_CHECK.id,
    POLICY_CHECK.title,
    findings,
    summary,
    failed.length <= 2000 ? failed : `${failed.slice(0, 1990)}...`,
  );
}

export function checkFirefoxPolicy(os: PolicyOs, extensionId: string): CheckResult {
  return evaluateFirefoxPolicy(readFirefoxPolicyFile(os), extensionId);
}
