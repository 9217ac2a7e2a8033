/**
 * `invigil policy`: the enterprise policy for one browser on one OS, in that platform's native form.
 *
 * One policy object (`chromiumPolicy` in shared/, or `firefoxPolicies`) is the source; the
 * writers only change its encoding, so the Windows, macOS and Linux files always say the same thing.
 */

import type { z } from 'zod';
import {
  BROWSER_POLICY_LOCATIONS,
  type ChromiumBrowser,
  chromiumPolicy,
  EDGE_POLICY_NAMES,
  FIREFOX_EXTENSION_ID,
  isStoreUpdateUrl,
  MAC_BUNDLE_IDS,
  type PolicyOs,
  policyByName,
  policyStatus,
  WEB_STORE_UPDATE_URL,
} from '../../shared/catalogs/browser-policy.ts';
import {
  FIREFOX_GAPS,
  FIREFOX_MAC_DOMAIN,
  FIREFOX_MAC_MANAGED_PLIST,
  FIREFOX_POLICY_LOCATIONS,
  FIREFOX_REGISTRY_KEY,
  firefoxMacSettings,
  firefoxPolicies,
  firefoxRegKeys,
} from '../../shared/catalogs/firefox-policy.ts';
import { EXTENSION_ID } from '../../shared/constants.ts';
import { type AgentConfig, PolicyConfigSchema } from '../../shared/schemas/config.ts';
import { describeIssues } from '../../shared/schemas/issues.ts';
import { type ExtensionPolicy, parsePolicy } from '../../shared/schemas/policy.ts';
import { InputError } from '../config-file.ts';
import { POLICY_PURPOSES } from './descriptions.ts';
import { csvText } from './formats/csv.ts';
import { mobileconfig, type PlistValue, toPlistValue } from './formats/plist.ts';
import {
  encodeRegFile,
  extensionPolicyRegKeys,
  isStringList,
  policyRegKeys,
  type RegKey,
  regText,
} from './formats/reg.ts';

export const POLICY_BROWSERS = ['chrome', 'edge', 'chromium', 'firefox'] as const;
export type PolicyBrowser = (typeof POLICY_BROWSERS)[number];
export const POLICY_OSES = ['windows', 'macos', 'linux'] as const;

export const BROWSER_NAMES: Record<PolicyBrowser, string> = {
  chrome: 'Google Chrome',
  edge: 'Microsoft Edge',
  chromium: 'Chromium',
  firefox: 'Mozilla Firefox',
};

const POLICY_PAGE: Record<PolicyBrowser, string> = {
  chrome: 'chrome://policy',
  chromium: 'chrome://policy',
  edge: 'edge://policy',
  firefox: 'about:policies',
};

export interface PolicyRequest {
  browser: PolicyBrowser;
  os: PolicyOs;
  /** The seat config: its `policy` section, and whether it reports to a console. */
  config?: AgentConfig;
  /** Overrides `policy.extensionId` (Chromium family) or `policy.firefox.extensionId` (Firefox). */
  extensionId?: string;
  /** Overrides `policy.updateUrl` (Chromium family). */
  updateUrl?: string;
  /** Overrides `policy.firefox.installUrl` (Firefox). */
  installUrl?: string;
}

export interface GeneratedFile {
  name: string;
  data: Buffer;
  /** One line for the person who runs the command: what the file is and where it goes. */
  summary: string;
}

export interface GeneratedPolicy {
  files: GeneratedFile[];
  /** Things the person should know (printed to stderr so stdout stays the file itself). */
  notes: string[];
  extensionId: string;
}

/**
 * The extension's managed configuration from the config file's `policy.extension`, completed with
 * the defaults and checked as a whole (the assessment address must be on an allowed host).
 * A seat that reports to a console waits for the invigilator's release unless the config says otherwise.
 */
export function resolveExtensionPolicy(config: AgentConfig | undefined): ExtensionPolicy {
  const requested: Record<string, unknown> = { ...(config?.policy?.extension ?? {}) };
  if (requested.requireRelease === undefined && config?.console !== undefined)
    requested.requireRelease = true;
  const { policy, errors } = parsePolicy(requested);
  const first = errors[0];
  if (first) throw new InputError(`policy.extension.${first.field} ${first.reason}`);
  return policy;
}

function checkFlag<T>(schema: z.ZodType<T>, flag: string, value: string): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new InputError(describeIssues(r.error, value, `--${flag}`)[0] ?? `--${flag} is not valid`);
  return r.data;
}

export function generatePolicy(request: PolicyRequest): GeneratedPolicy {
  const extensionPolicy = resolveExtensionPolicy(request.config);
  const section = request.config?.policy;
  const printing = section?.printing ?? false;
  if (request.browser === 'firefox') return firefox(request, extensionPolicy, printing);

  const shape = PolicyConfigSchema.shape;
  const extensionId =
    request.extensionId !== undefined
      ? checkFlag(shape.extensionId, 'extension-id', request.extensionId)
      : (section?.extensionId ?? EXTENSION_ID);
  const updateUrl =
    request.updateUrl !== undefined
      ? checkFlag(shape.updateUrl, 'update-url', request.updateUrl)
      : (section?.updateUrl ?? WEB_STORE_UPDATE_URL);
  if (extensionId === undefined || updateUrl === undefined)
    throw new InputError('missing extension id or update URL');

  const browser: ChromiumBrowser = request.browser;
  const relax = section?.relax ?? [];
  const policy = chromiumPolicy({
    extensionPolicy,
    updateUrl,
    extensionId,
    printing,
    browser,
    os: request.os,
    relax,
  });
  const { '3rdparty': _thirdParty, ...browserPolicies } = policy;
  const managed = { ...extensionPolicy } as Record<string, unknown>;

  const notes: string[] = [];
  if (!isStoreUpdateUrl(updateUrl) && extensionId === EXTENSION_ID) {
    notes.push(
      `The update URL is your own, but the extension id is the published one (${EXTENSION_ID}). A CRX you sign yourself has its own id: pass the id \`npm run package\` printed with --extension-id (or policy.extensionId).`,
    );
  }
  if (!isStoreUpdateUrl(updateUrl) && request.os === 'windows') {
    notes.push(
      `${BROWSER_NAMES[browser]} on Windows force-installs an extension from outside the store only on PCs joined to Active Directory or Microsoft Entra ID (or enrolled in the vendor's cloud management).`,
    );
  }
  if (!isStoreUpdateUrl(updateUrl) && request.os === 'macos') {
    notes.push(
      `${BROWSER_NAMES[browser]} on macOS force-installs an extension from outside the store only when the profile is installed by an MDM server.`,
    );
  }

  const announced = Object.keys(browserPolicies).filter((name) => {
    const entry = policyByName(browser, name);
    return entry !== undefined && policyStatus(entry, browser, request.os, null) === 'announced';
  });
  if (announced.length > 0) {
    notes.push(
      `${BROWSER_NAMES[browser]} names these policies for ${request.os} but may not act on them yet; they are written so the seat is ready when it does: ${announced.join(', ')}.`,
    );
  }
  if (relax.length > 0) {
    notes.push(
      `Relaxed by policy.relax in the config, so left to the browser's default: ${relax.join(', ')}.`,
    );
  }

  let files: GeneratedFile[];
  if (request.os === 'linux') files = [linuxFile(browser, policy)];
  else if (request.os === 'macos') files = [macFile(browser, extensionId, browserPolicies, managed)];
  else files = windowsFiles(browser, extensionId, updateUrl, browserPolicies, managed);
  return { files, notes, extensionId };
}

function linuxFile(browser: ChromiumBrowser, policy: Record<string, unknown>): GeneratedFile {
  const dir = BROWSER_POLICY_LOCATIONS[browser].linux;
  return {
    name: `invigil-${browser}.json`,
    data: Buffer.from(`${JSON.stringify(policy, null, 2)}\n`),
    summary: `copy to ${dir}/ (owned by root, mode 644), then run \`invigil check\` (${POLICY_PAGE[browser]} is blocked on a seat, like every page of the browser's own)`,
  };
}

function macFile(
  browser: ChromiumBrowser,
  extensionId: string,
  browserPolicies: Record<string, unknown>,
  managed: Record<string, unknown>,
): GeneratedFile {
  const bundle = MAC_BUNDLE_IDS[browser];
  const plistSettings = (o: Record<string, unknown>) =>
    toPlistValue(o, browser) as { [k: string]: PlistValue };
  const text = mobileconfig({
    identifier: `uk.invigil.policy.${browser}`,
    displayName: `Invigil exam seat: ${BROWSER_NAMES[browser]}`,
    description: `Locks ${BROWSER_NAMES[browser]} down for an exam seat and configures the Invigil extension (${extensionId}).`,
    organization: 'Invigil',
    payloads: [
      {
        type: bundle,
        identifier: `uk.invigil.policy.${browser}.browser`,
        displayName: `${BROWSER_NAMES[browser]} policy`,
        settings: plistSettings(browserPolicies),
      },
      {
        // Chrome reads an extension's managed configuration from its own preference domain.
        type: `${bundle}.extensions.${extensionId}`,
        identifier: `uk.invigil.policy.${browser}.extension`,
        displayName: 'Invigil extension configuration',
        settings: plistSettings(managed),
      },
    ],
  });
  return {
    name: `invigil-${browser}.mobileconfig`,
    data: Buffer.from(text),
    summary: `configuration profile: upload to your MDM (Jamf, Intune, Kandji...) or install it in System Settings, then run \`invigil check\``,
  };
}

function windowsFiles(
  browser: ChromiumBrowser,
  extensionId: string,
  updateUrl: string,
  browserPolicies: Record<string, unknown>,
  managed: Record<string, unknown>,
): GeneratedFile[] {
  const root = BROWSER_POLICY_LOCATIONS[browser].windows;
  const keys: RegKey[] = [
    ...policyRegKeys(root, browserPolicies),
    ...extensionPolicyRegKeys(root, extensionId, managed),
  ];
  const regName = `invigil-${browser}.reg`;
  const csvName = `invigil-${browser}-policies.csv`;
  const reg = regText(keys, [
    `Invigil exam-seat policy for ${BROWSER_NAMES[browser]} (machine-wide).`,
    `Import as an administrator: reg import ${regName}`,
    'Importing again replaces the lists and the extension configuration written here.',
  ]);
  return [
    {
      name: regName,
      data: encodeRegFile(reg),
      summary: 'registry policy: import with `reg import` as an administrator',
    },
    {
      name: csvName,
      data: Buffer.from(csvText(policyRows(root, extensionId, browserPolicies, managed))),
      summary: 'every policy by name, for Group Policy (ADMX) and Intune (settings catalog)',
    },
    {
      name: 'README.txt',
      data: Buffer.from(
        windowsReadme(browser, regName, csvName, extensionId, updateUrl, root).replaceAll('\n', '\r\n'),
      ),
      summary: 'how to deploy these with reg import, Group Policy or Intune',
    },
  ];
}

function chromeName(name: string): string {
  for (const [chrome, edge] of Object.entries(EDGE_POLICY_NAMES)) if (edge === name) return chrome;
  return name;
}

function policyRows(
  root: string,
  extensionId: string,
  browserPolicies: Record<string, unknown>,
  managed: Record<string, unknown>,
): string[][] {
  const rows: string[][] = [['Policy', 'Value', 'Registry key', 'Value name', 'Value type', 'Why']];
  for (const [name, value] of Object.entries(browserPolicies)) {
    const why = POLICY_PURPOSES[chromeName(name)] ?? '';
    if (isStringList(value)) {
      rows.push([name, value.join('\n'), `${root}\\${name}`, '1, 2, 3...', 'REG_SZ list', why]);
    } else if (typeof value === 'object' && value !== null) {
      rows.push([name, JSON.stringify(value), root, name, 'REG_SZ (JSON)', why]);
    } else {
      rows.push([name, String(value), root, name, typeof value === 'string' ? 'REG_SZ' : 'REG_DWORD', why]);
    }
  }
  const key = `${root}\\3rdparty\\extensions\\${extensionId}\\policy`;
  const why = `${POLICY_PURPOSES['3rdparty']} No ADMX setting: deploy this registry key as it is.`;
  for (const [name, value] of Object.entries(managed)) {
    if (Array.isArray(value))
      rows.push([`3rdparty: ${name}`, value.join('\n'), `${key}\\${name}`, '1, 2, 3...', 'REG_SZ list', why]);
    else
      rows.push([
        `3rdparty: ${name}`,
        String(value),
        key,
        name,
        typeof value === 'string' ? 'REG_SZ' : 'REG_DWORD',
        why,
      ]);
  }
  return rows;
}

function windowsReadme(
  browser: ChromiumBrowser,
  regName: string,
  csvName: string,
  extensionId: string,
  updateUrl: string,
  root: string,
): string {
  const name = BROWSER_NAMES[browser];
  const admx =
    browser === 'edge'
      ? "Microsoft's Edge policy templates (msedge.admx), under Administrative Templates > Microsoft Edge"
      : browser === 'chrome'
        ? "Google's Chrome policy templates (chrome.admx), under Administrative Templates > Google > Google Chrome"
        : 'the Chromium policy templates (chromium.admx), under Administrative Templates > Chromium';
  return `Invigil exam-seat policy for ${name} on Windows
${'='.repeat(44 + name.length)}

Extension id: ${extensionId}
Update URL:   ${updateUrl}
Registry key: ${root}

${regName}
  Everything in one file. On one PC, from an elevated prompt:
      reg import ${regName}
  then run "invigil check" on the PC: it reads this key and names any policy that is missing.
  ${POLICY_PAGE[browser]} is blocked on a seat, like every page of the browser's own (URLBlocklist);
  to see the browser's own view, open it on a build PC without that line. Importing again replaces
  the lists and the extension's configuration.

${csvName}
  The same policies by name, with their registry location and why each is set.

Group Policy
  Add ${admx} to the central store, then set each policy in the CSV by its name under Computer
  Configuration. The extension's own configuration (the rows starting "3rdparty:") has no
  ADMX setting: deploy that registry key with Group Policy Preferences > Registry, or run
  "reg import ${regName}" from a computer startup script.

Intune
  In a Settings catalog profile, search for each policy name in the CSV. The extension's own
  configuration (3rdparty) is not in the catalog: deploy ${regName} with a PowerShell platform
  script or a Win32 app that runs "reg import ${regName}".

Self-hosted extension
  ${name} force-installs an extension from outside the store only on PCs joined to Active
  Directory or Microsoft Entra ID, or enrolled in the vendor's cloud management.

Next: install Invigil on the PC and run "invigil check" (see docs/deploy.md).
`;
}

function firefox(
  request: PolicyRequest,
  extensionPolicy: ExtensionPolicy,
  printing: boolean,
): GeneratedPolicy {
  const section = request.config?.policy?.firefox;
  const shape = PolicyConfigSchema.shape.firefox.unwrap().shape;
  const extensionId =
    request.extensionId !== undefined
      ? checkFlag(shape.extensionId, 'extension-id', request.extensionId)
      : (section?.extensionId ?? FIREFOX_EXTENSION_ID);
  const installUrl =
    request.installUrl !== undefined
      ? checkFlag(shape.installUrl, 'install-url', request.installUrl)
      : section?.installUrl;
  if (request.updateUrl !== undefined) {
    throw new InputError(
      '--update-url is for Chrome, Edge and Chromium; Firefox installs from --install-url (a signed .xpi)',
    );
  }
  if (extensionId === undefined) throw new InputError('missing Firefox add-on id');
  if (installUrl === undefined) {
    throw new InputError(
      'Firefox needs the address of the signed Invigil .xpi: pass --install-url URL or set policy.firefox.installUrl in the config',
    );
  }
  const json = firefoxPolicies({ extensionPolicy, extensionId, installUrl, printing });
  const files: GeneratedFile[] = [
    {
      name: 'policies.json',
      data: Buffer.from(`${JSON.stringify(json, null, 2)}\n`),
      summary: `copy to ${FIREFOX_POLICY_LOCATIONS[request.os]}, restart Firefox, then check about:policies`,
    },
  ];
  if (request.os === 'windows') {
    // Firefox on Windows also reads the registry (Group Policy), which wins over policies.json.
    const regName = 'invigil-firefox.reg';
    const reg = regText(firefoxRegKeys(FIREFOX_REGISTRY_KEY, json.policies), [
      'Invigil exam-seat policy for Mozilla Firefox (machine-wide), the same as policies.json.',
      `Import as an administrator: reg import ${regName} (use this or policies.json; this one wins).`,
      'Importing again replaces the lists and objects written here.',
    ]);
    files.push({
      name: regName,
      data: encodeRegFile(reg),
      summary:
        'registry policy (instead of policies.json, or with Group Policy): import with `reg import` as an administrator',
    });
  }
  if (request.os === 'macos') {
    // Firefox on macOS also reads its managed preferences (a configuration profile), which win over the file.
    const text = mobileconfig({
      identifier: 'uk.invigil.policy.firefox',
      displayName: `Invigil exam seat: ${BROWSER_NAMES.firefox}`,
      description: `Locks ${BROWSER_NAMES.firefox} down for an exam seat and configures the Invigil add-on (${extensionId}).`,
      organization: 'Invigil',
      payloads: [
        {
          type: FIREFOX_MAC_DOMAIN,
          identifier: 'uk.invigil.policy.firefox.browser',
          displayName: `${BROWSER_NAMES.firefox} policy`,
          settings: toPlistValue(firefoxMacSettings(json.policies), 'firefox') as { [k: string]: PlistValue },
        },
      ],
    });
    files.push({
      name: 'invigil-firefox.mobileconfig',
      data: Buffer.from(text),
      summary: `configuration profile (instead of policies.json, or with it; this one wins): upload to your MDM or install it in System Settings; it lands in ${FIREFOX_MAC_MANAGED_PLIST}`,
    });
  }
  return {
    extensionId,
    files,
    notes: [
      `Firefox has no equivalent for these parts of the Chromium policy:`,
      ...FIREFOX_GAPS.map((g) => `  - ${g}`),
    ],
  };
}
