import type { Severity } from '../schemas/common.ts';

/**
 * Every finding code Invigil can raise, with its default severity and what to do about it.
 * Codes are stable: deployment scripts (`invigil check --json`) and the console rely on them.
 * A seat's config may override a severity (for example `virtual-machine: block` in a room of
 * physical PCs); the text here is the plain-English default.
 */
export interface FindingDefinition {
  /** Default severity; `severityOverrides` in the agent config can change it. */
  severity: Severity;
  /** Which side raises it. */
  source: 'extension' | 'agent' | 'console';
  /** The check (checklist line) it belongs to. */
  check: string;
  /** One line for people: what this finding means. */
  title: string;
  /** What IT or the invigilator should do. */
  remedy: string;
}

export const FINDINGS = {
  // ---- raised by the extension ----
  'policy-invalid': {
    severity: 'warn',
    source: 'extension',
    check: 'policy',
    title: "A setting in the extension's policy was rejected; the last good value is still enforced",
    remedy: 'Correct the named field in the browser policy (see `invigil policy`), then reload policies.',
  },
  'extension-not-managed': {
    severity: 'warn',
    source: 'extension',
    check: 'managed-install',
    title: 'The Invigil extension was not installed by IT policy, so it could be removed',
    remedy: 'Force-install the extension through enterprise policy (ExtensionInstallForcelist).',
  },
  'site-blocking-off': {
    severity: 'block',
    source: 'extension',
    check: 'site-blocking',
    title: 'Site blocking is not in force',
    remedy: 'Restart the browser. If it persists, reinstall the Invigil extension.',
  },
  'password-saving-on': {
    severity: 'block',
    source: 'extension',
    check: 'password-saving',
    title: 'The browser can save passwords',
    remedy:
      'Set PasswordManagerEnabled to false in the browser policy, and remove any extension that controls it.',
  },
  'autofill-on': {
    severity: 'block',
    source: 'extension',
    check: 'autofill',
    title: 'Browser autofill is on',
    remedy: 'Set AutofillAddressEnabled and AutofillCreditCardEnabled to false in the browser policy.',
  },
  'password-manager-extension': {
    severity: 'block',
    source: 'extension',
    check: 'other-extensions',
    title: 'A password-manager extension is enabled in the browser',
    remedy: 'Block the extension with ExtensionSettings in the browser policy, or remove it.',
  },
  'other-extension': {
    severity: 'warn',
    source: 'extension',
    check: 'other-extensions',
    title: 'Another extension is enabled in the browser',
    remedy: 'Block all other extensions with ExtensionSettings ("*": blocked) in the browser policy.',
  },
  'downloads-allowed': {
    severity: 'info',
    source: 'extension',
    check: 'downloads',
    title: 'Downloads are allowed by policy',
    remedy: 'Set allowDownloads to false unless the assessment needs files.',
  },
  'browser-cannot-check': {
    severity: 'info',
    source: 'extension',
    check: 'extension',
    title: 'The browser gives extensions no way to check this, so something else keeps it safe',
    remedy:
      "Nothing to do on the seat: the line names what keeps it safe instead (the browser's enterprise policy, which the Invigil agent reads back, or the agent's own count of displays).",
  },
  'extension-check-error': {
    severity: 'block',
    source: 'extension',
    check: 'extension',
    title: 'A lockdown check in the extension could not run, so the seat cannot be shown as safe',
    remedy:
      'Restart the browser. If it persists, reinstall the Invigil extension and report the message shown.',
  },
  'agent-link-down': {
    severity: 'info',
    source: 'extension',
    check: 'agent-link',
    title: 'The extension is not connected to the Invigil agent on this PC',
    remedy:
      'Start the Invigil agent and check that `invigil install-host` was run for this browser. Events wait until it connects.',
  },
  'browser-service-on': {
    severity: 'block',
    source: 'extension',
    check: 'browser-services',
    title:
      'A browser service that sends the page to a service (translation, spelling, search suggestions) is on',
    remedy:
      'Set TranslateEnabled, SpellCheckServiceEnabled and SearchSuggestEnabled to false in the browser policy, and remove any extension that controls them.',
  },
  'browser-too-old': {
    severity: 'warn',
    source: 'extension',
    check: 'browser-version',
    title: "The browser is older than the versions Invigil's policy was checked against",
    remedy: 'Update the browser on this PC (see README, "Browsers the suite has run on").',
  },
  'browser-version-unknown': {
    severity: 'warn',
    source: 'extension',
    check: 'browser-version',
    title: "The browser's version could not be read, so Invigil cannot tell whether its policy applies",
    remedy: 'Use Chrome, Edge or Chromium (or Firefox with the Firefox build), kept up to date.',
  },
  // ---- raised by the kiosk agent ----
  'display-count': {
    severity: 'block',
    source: 'agent',
    check: 'display-count',
    title: 'More displays are connected than allowed',
    remedy: 'Unplug the extra display or projector (mirrored displays count too).',
  },
  'password-manager': {
    severity: 'block',
    source: 'agent',
    check: 'password-manager',
    title: 'A password manager is running',
    remedy: 'Quit the password manager and stop it starting with the session.',
  },
  'password-manager-host': {
    severity: 'warn',
    source: 'agent',
    check: 'password-manager',
    title: "A password manager's browser connector is registered",
    remedy: "Remove the password manager's native-messaging host, or block it with NativeMessagingAllowlist.",
  },
  'remote-access': {
    severity: 'block',
    source: 'agent',
    check: 'remote-access',
    title: 'A remote-access or screen-sharing program is running',
    remedy: 'Quit the program and remove it from exam PCs.',
  },
  'screen-recorder': {
    severity: 'block',
    source: 'agent',
    check: 'screen-recorder',
    title: 'A screen-recording program is running',
    remedy: 'Quit the program and remove it from exam PCs.',
  },
  'screenshot-tool': {
    severity: 'block',
    source: 'agent',
    check: 'screenshot-tool',
    title: 'A screenshot or snipping tool is running',
    remedy:
      'Quit the program and remove it from exam PCs (or block it by policy, such as DisableSnippingTool).',
  },
  'ai-assistant': {
    severity: 'block',
    source: 'agent',
    check: 'ai-assistant',
    title: 'An AI assistant is running',
    remedy: 'Quit the program and remove it from exam PCs.',
  },
  messaging: {
    severity: 'block',
    source: 'agent',
    check: 'messaging',
    title: 'A messaging or meeting program is running',
    remedy: 'Quit the program and stop it starting with the session.',
  },
  'media-player': {
    severity: 'warn',
    source: 'agent',
    check: 'media-player',
    title: 'A media player is running',
    remedy: 'Quit the media player.',
  },
  'system-tool': {
    severity: 'warn',
    source: 'agent',
    check: 'system-tool',
    title: 'A system tool that can open a way out of the exam is running',
    remedy:
      'Close it, and turn the shortcut that opens it off on exam PCs (for Sticky Keys: Settings, Accessibility).',
  },
  'unlisted-program': {
    severity: 'warn',
    source: 'agent',
    check: 'desktop-programs',
    title: "A program that is not on the seat's list of allowed programs has a window on the desktop",
    remedy:
      "Close the program. If the assessment needs it, add it to the seat's config (desktop.allow); to make any unlisted program block the seat, set severity unlisted-program: block.",
  },
  'other-browser': {
    severity: 'warn',
    source: 'agent',
    check: 'other-browser',
    title: 'Another browser is running beside the managed one',
    remedy: 'Close the other browser.',
  },
  'virtual-machine': {
    severity: 'warn',
    source: 'agent',
    check: 'virtual-machine',
    title: 'This PC is a virtual machine',
    remedy: 'Confirm the room uses virtual desktops on purpose; set severity to block where it should not.',
  },
  'browser-policy': {
    severity: 'block',
    source: 'agent',
    check: 'browser-policy',
    title: "The browser's enterprise policy is missing or incomplete",
    remedy: 'Install the policy generated by `invigil policy` for this browser and OS.',
  },
  'browser-policy-version-unknown': {
    severity: 'info',
    source: 'agent',
    check: 'browser-policy',
    title:
      "The managed browser's version could not be read, so every policy the list knows for this OS is required",
    remedy:
      'Install the browser where the agent looks for it (see docs/deploy.md), or ignore this if every policy is in place.',
  },
  'browser-policy-deprecated': {
    severity: 'info',
    source: 'agent',
    check: 'browser-policy',
    title: 'A policy is set only under a name this browser version marks deprecated',
    remedy: 'Install the policy `invigil policy` writes now: it sets both the old and the new name.',
  },
  'extension-silent': {
    severity: 'block',
    source: 'agent',
    check: 'extension',
    title: 'No recent report from the Invigil extension',
    remedy: 'Open the managed browser. If it is open, check that `invigil install-host` was run for it.',
  },
  'extension-policy-invalid': {
    severity: 'warn',
    source: 'agent',
    check: 'browser-policy',
    title:
      "A value in the extension's managed configuration is wrong; the browser drops it and the default applies",
    remedy: 'Correct the named field under 3rdparty.extensions in the browser policy (see `invigil policy`).',
  },
  'native-host-missing': {
    severity: 'block',
    source: 'agent',
    check: 'extension',
    title: 'The browser cannot reach the Invigil agent: its native-messaging host is not installed',
    remedy: 'Run `invigil install-host --browser <name>` as an administrator for the managed browser.',
  },
  'display-count-mismatch': {
    severity: 'block',
    source: 'agent',
    check: 'displays-seen-by-browser',
    title: 'The browser sees a different number of displays than the agent',
    remedy:
      'Check the PC for a display the agent cannot see (another X display or session, a virtual or remote display) and remove it; then check that the agent reads the display the browser runs on.',
  },
  'extension-not-checked': {
    severity: 'info',
    source: 'agent',
    check: 'extension',
    title: "The extension's report was not checked because the Invigil agent is not running",
    remedy:
      "Start the Invigil agent service and open the managed browser; `invigil check` then includes the extension's report.",
  },
  'browser-launch-flag': {
    severity: 'block',
    source: 'agent',
    check: 'browser-launch',
    title: 'The managed browser was started in a way that undermines the lockdown',
    remedy:
      'Close that browser window and start the browser from the exam shortcut, without extra flags or environment.',
  },
  'connector-unchecked': {
    severity: 'warn',
    source: 'agent',
    check: 'extension',
    title: "The agent accepts any program as the browser's connector (a development setting)",
    remedy: 'Remove `link.accept: any` from the seat config: exam PCs accept only the installed native host.',
  },
  'config-credential-exposed': {
    severity: 'block',
    source: 'agent',
    check: 'config',
    title: "The seat's config file holds its console credential and other users can read it",
    remedy: 'Make the config file readable by root only: chmod 600 FILE (owner root).',
  },
  'check-error': {
    severity: 'block',
    source: 'agent',
    check: 'agent',
    title: 'A check could not run, so the seat cannot be shown as safe',
    remedy: 'See the agent log for the reason; fix it and run `invigil check` again.',
  },
  // ---- raised by the console ----
  'seat-offline': {
    severity: 'block',
    source: 'console',
    check: 'link',
    title: 'The seat has stopped reporting',
    remedy: 'Check the PC is on and the Invigil agent service is running.',
  },
  'extension-not-linked': {
    severity: 'block',
    source: 'console',
    check: 'link',
    title: "The browser extension is not reporting to this PC's agent",
    remedy: 'Open the managed browser. If it is open, check that `invigil install-host` was run for it.',
  },
  'credential-shared': {
    severity: 'block',
    source: 'console',
    check: 'link',
    title: "Two connections are using this seat's credential",
    remedy:
      'A second agent, or a copied PC, is reporting as this seat. Find it (the incident names both addresses) and enrol it with its own name.',
  },
} as const satisfies Record<string, FindingDefinition>;

export type FindingCode = keyof typeof FINDINGS;

export function findingDefinition(code: string): FindingDefinition | undefined {
  return (FINDINGS as Record<string, FindingDefinition>)[code];
}
