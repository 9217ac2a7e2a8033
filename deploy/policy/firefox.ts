/**
 * Firefox's equivalents of the Chromium policy, as `policies.json` (Firefox reads the same file on
 * Windows, macOS and Linux). Names checked against Mozilla's policy templates documentation.
 */
import { isIpv4 } from '../../shared/rules/hosts.ts';
import type { ExtensionPolicy } from '../../shared/schemas/policy.ts';

export interface FirefoxPolicyOptions {
  extensionPolicy: ExtensionPolicy;
  /** The add-on id declared by the Firefox build. */
  extensionId: string;
  /** Where Firefox downloads the signed .xpi. */
  installUrl: string;
  printing: boolean;
}

/** Where Firefox reads policies.json, per OS. */
export const FIREFOX_POLICY_LOCATIONS = {
  windows: 'C:\\Program Files\\Mozilla Firefox\\distribution\\policies.json',
  macos: '/Applications/Firefox.app/Contents/Resources/distribution/policies.json',
  linux: '/etc/firefox/policies/policies.json',
} as const;

/** What the Chromium policy does that Firefox has no policy for, and what covers it instead. */
export const FIREFOX_GAPS: readonly string[] = [
  'Blocking downloads: Firefox has no policy for it; the Invigil extension cancels downloads itself.',
  "Screen capture by web pages: no Firefox policy (the Permissions policy has no screen-sharing entry); DisableFirefoxScreenshots only removes Firefox's own screenshot tool.",
  'Guest mode: Firefox has none; about:profiles is blocked instead (BlockAboutProfiles).',
  "Ending processes from the browser's task manager (about:processes): no Firefox policy.",
  'Limiting native messaging to uk.invigil.agent: no Firefox policy; Firefox only reads host manifests from fixed system and user locations.',
  "WebsiteFilter blocks top-level pages and embedded frames only, not images, scripts or other requests; the Invigil extension's own site blocking covers the rest.",
  'Firefox reads managed configuration (3rdparty) at start-up only: restart Firefox after changing it.',
];

/** Match patterns for one allowed host: the host and its subdomains, http and https. */
export function firefoxHostPatterns(host: string): string[] {
  return isIpv4(host) ? [`*://${host}/*`] : [`*://*.${host}/*`];
}

export function firefoxPolicies(options: FirefoxPolicyOptions): { policies: Record<string, unknown> } {
  const id = options.extensionId;
  return {
    policies: {
      ExtensionSettings: {
        '*': {
          installation_mode: 'blocked',
          blocked_install_message: 'Extensions are not allowed on exam PCs.',
        },
        [id]: { installation_mode: 'force_installed', install_url: options.installUrl },
      },
      '3rdparty': { Extensions: { [id]: { ...options.extensionPolicy } } },
      WebsiteFilter: {
        Block: ['<all_urls>'],
        Exceptions: options.extensionPolicy.allowedHosts.flatMap(firefoxHostPatterns),
      },
      PasswordManagerEnabled: false,
      OfferToSaveLogins: false,
      AutofillAddressEnabled: false,
      AutofillCreditCardEnabled: false,
      DisableFormHistory: true,
      // PrivateBrowsingModeAvailability supersedes DisablePrivateBrowsing from Firefox 130 / ESR 128.3;
      // both are set so that older ESR releases are covered too.
      PrivateBrowsingModeAvailability: 1,
      DisablePrivateBrowsing: true,
      DisableDeveloperTools: true,
      PrintingEnabled: options.printing,
      DisableFirefoxAccounts: true,
      DisableFirefoxScreenshots: true,
      // Troubleshoot (safe) mode starts Firefox with every extension turned off.
      DisableSafeMode: true,
      BlockAboutConfig: true,
      BlockAboutProfiles: true,
      BlockAboutAddons: true,
    },
  };
}
