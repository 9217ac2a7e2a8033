/**
 * The demo seat's config, and what the demo relaxes so that this PC can show Ready. Only what the
 * real checks find on this machine is relaxed (and the unpacked extension, which is always so in the
 * demo), through the config's `severity` overrides and `displays.allowed`: the product code is the
 * same as on a real seat. Every relaxation carries its reason, which the demo prints.
 */

import { auditLaunch } from '../kiosk-agent/link-trust/launch-audit.ts';
import type { FindingCode } from '../shared/catalogs/findings.ts';
import type { Severity } from '../shared/schemas/common.ts';
import { type AgentConfig, AgentConfigSchema } from '../shared/schemas/config.ts';
import { chromiumArgs } from './browser.ts';
import { THIS_PC } from './demo-data.ts';
import { firefoxArgs } from './firefox.ts';

/** The candidate's browser in the demo (`invigil demo --browser`). */
export const DEMO_BROWSERS = ['chromium', 'firefox'] as const;
export type DemoBrowser = (typeof DEMO_BROWSERS)[number];

/** What the real checks found on this PC before the demo started. */
export interface MachineFacts {
  /** The hypervisor when this PC is a virtual machine ("KVM"), else null. */
  virtualMachine: string | null;
  /** The browser-policy check's complaint when Chromium's enterprise policy is missing or incomplete. */
  browserPolicyProblem: string | null;
  /** This PC's own displays, when the demo uses them (null: the demo's virtual display, one monitor). */
  displays: { names: string[] } | null;
  /** Who the agent runs as (root on a real seat). */
  agentUser?: string;
  /**
   * Programs not on a seat's allowlist that already had a window on this PC's own display when the demo
   * started (none on the demo's virtual display, where the browser runs headless).
   */
  desktopPrograms?: string[];
}

export interface Relaxation {
  /** A finding code, or a setting: `displays.allowed`, `browser.allowFlags`, `link.accept`. */
  what: FindingCode | 'displays.allowed' | 'browser.allowFlags' | 'link.accept' | 'desktop.allow';
  /** The new severity, the number of displays allowed, the flags allowed, or who may connect. */
  to: Severity | number | string;
  why: string;
}

/**
 * The flags the demo starts its own Chromium with that the browser launch audit refuses on a real
 * seat (an unpacked extension, a DevTools pipe, host names mapped to the demo's page, its certificate
 * trusted by key, headless): read from the demo's own command line, so the two cannot drift apart.
 */
export function demoBrowserFlags(browser: DemoBrowser = 'chromium'): string[] {
  if (browser === 'firefox') {
    // Firefox takes its profile, BiDi port and --headless as flags; the host names and the certificate
    // are handled by preferences and the BiDi session, which no command line shows.
    const args = firefoxArgs({ profile: '/demo/profile', headless: true });
    return auditLaunch(['firefox-esr', ...args], null, { userDataDir: '/demo/profile', allowFlags: [] }).map(
      (p) => p.flag,
    );
  }
  const args = chromiumArgs({
    profile: '/demo/profile',
    extensionDir: '/demo/extension',
    headless: true,
    hostMap: { 'example.org': '127.0.0.1:1' },
    spkiHash: 'x',
    startUrl: 'https://example.org/',
  });
  const own = auditLaunch(['chromium', ...args], null, { userDataDir: '/demo/profile', allowFlags: [] }).map(
    (p) => p.flag,
  );
  // On this one PC the invigilator's dashboard may be open in another Chromium, with a profile of its own.
  return [...own, '--user-data-dir'];
}

export function demoRelaxations(facts: MachineFacts, browser: DemoBrowser = 'chromium'): Relaxation[] {
  const out: Relaxation[] = [
    {
      what: 'extension-not-managed',
      to: 'info',
      why:
        browser === 'firefox'
          ? 'the extension is installed unpacked from dist/extension-firefox as a temporary add-on; real seats force-install the signed .xpi by policy.'
          : 'the extension is loaded unpacked from dist/extension; real seats force-install it by policy.',
    },
    {
      what: 'browser.allowFlags',
      to: demoBrowserFlags(browser).join(' '),
      why:
        browser === 'firefox'
          ? 'the demo starts and drives its own Firefox with these flags (its throwaway profile, a WebDriver BiDi port on 127.0.0.1, headless without a display); the launch audit refuses each of them on a real seat.'
          : "the demo starts and drives its own Chromium with these flags (the unpacked extension, a private DevTools pipe, the awarding body's names mapped to the demo's page, its certificate trusted, headless without a display), and the invigilator's dashboard may be open in another Chromium on this same PC with a profile of its own; the launch audit refuses each of them on a real seat.",
    },
  ];
  if (browser === 'firefox') {
    out.push({
      what: 'other-browser',
      to: 'info',
      why: "a Firefox seat counts every Chromium-family browser as another browser, and the invigilator's dashboard may be open in one on this same PC; exam PCs run only the managed browser.",
    });
  }
  if (facts.agentUser !== undefined && facts.agentUser !== 'root') {
    out.push({
      what: 'link.accept',
      to: 'any',
      why: `the agent runs as ${facts.agentUser}, not root, so it cannot see which program connects to its socket; installed seats run it as root and accept only the installed native host, started by the managed browser.`,
    });
  }
  if (facts.browserPolicyProblem) {
    out.push({
      what: 'browser-policy',
      to: 'info',
      why: `${facts.browserPolicyProblem.replace(/\.$/, '')}. The demo leaves your browsers' policy alone; \`invigil policy\` writes it for real seats.`,
    });
  }
  if (facts.virtualMachine) {
    out.push({
      what: 'virtual-machine',
      to: 'info',
      why: `this PC is a virtual machine (${facts.virtualMachine}); each centre decides whether its exam PCs may be.`,
    });
  }
  if (facts.desktopPrograms && facts.desktopPrograms.length > 0) {
    out.push({
      what: 'desktop.allow',
      to: facts.desktopPrograms.join(' '),
      why: `these programs already had windows on your desktop when the demo started; an exam PC's desktop shows only the managed browser (and the shell, screen readers, on-screen keyboards and SecureClient), and any other window makes the seat Attention. Open another program during the demo to see it.`,
    });
  }
  const count = facts.displays?.names.length ?? 1;
  if (count > 1) {
    out.push({
      what: 'displays.allowed',
      to: count,
      why: `this PC has ${count} displays connected (${facts.displays?.names.join(', ')}); exam PCs allow 1, the demo allows ${count} so that one more shows what happens.`,
    });
  }
  return out;
}

export interface DemoSeatPaths {
  socketPath: string;
  dataDir: string;
  /** The demo browser profile (the native host is installed into it). */
  userDataDir: string;
}

/** The seat config `invigil enrol` completes and `invigil agent` runs with. */
export function demoSeatConfig(
  paths: DemoSeatPaths,
  relaxations: readonly Relaxation[],
  browser: DemoBrowser = 'chromium',
): AgentConfig {
  const severity: Record<string, Severity> = {};
  let allowed = 1;
  let allowFlags: string[] = [];
  let accept: 'installed-host' | 'any' = 'installed-host';
  let allow: string[] = [];
  for (const r of relaxations) {
    if (r.what === 'displays.allowed') allowed = Number(r.to);
    else if (r.what === 'desktop.allow') allow = String(r.to).split(' ').filter(Boolean);
    else if (r.what === 'browser.allowFlags') allowFlags = String(r.to).split(' ').filter(Boolean);
    else if (r.what === 'link.accept') {
      accept = 'any';
      // Said once, here, rather than as a warning on the seat for the whole demo.
      severity['connector-unchecked'] = 'info';
    } else severity[r.what] = r.to as Severity;
  }
  return AgentConfigSchema.parse({
    seat: { pcName: THIS_PC.pcName, place: THIS_PC.place },
    socketPath: paths.socketPath,
    dataDir: paths.dataDir,
    browser: { name: browser, userDataDir: paths.userDataDir, allowFlags },
    link: { accept },
    displays: { allowed },
    desktop: { allow },
    severity,
  });
}
