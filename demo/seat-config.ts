/**
 * The demo seat's config, and what the demo relaxes so that this PC can show Ready. Only what the
 * real checks find on this machine is relaxed (and the unpacked extension, which is always so in the
 * demo), through the config's `severity` overrides and `displays.allowed`: the product code is the
 * same as on a real seat. Every relaxation carries its reason, which the demo prints.
 */
import type { FindingCode } from '../shared/catalogs/findings.ts';
import type { Severity } from '../shared/schemas/common.ts';
import { type AgentConfig, AgentConfigSchema } from '../shared/schemas/config.ts';
import { THIS_PC } from './demo-data.ts';

/** What the real checks found on this PC before the demo started. */
export interface MachineFacts {
  /** The hypervisor when this PC is a virtual machine ("KVM"), else null. */
  virtualMachine: string | null;
  /** The browser-policy check's complaint when Chromium's enterprise policy is missing or incomplete. */
  browserPolicyProblem: string | null;
  /** This PC's own displays, when the demo uses them (null: the demo's virtual display, one monitor). */
  displays: { names: string[] } | null;
}

export interface Relaxation {
  /** A finding code, or `displays.allowed`. */
  what: FindingCode | 'displays.allowed';
  /** The new severity, or the number of displays allowed. */
  to: Severity | number;
  why: string;
}

export function demoRelaxations(facts: MachineFacts): Relaxation[] {
  const out: Relaxation[] = [
    {
      what: 'extension-not-managed',
      to: 'info',
      why: 'the extension is loaded unpacked from dist/extension; real seats force-install it by policy.',
    },
  ];
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
export function demoSeatConfig(paths: DemoSeatPaths, relaxations: readonly Relaxation[]): AgentConfig {
  const severity: Record<string, Severity> = {};
  let allowed = 1;
  for (const r of relaxations) {
    if (r.what === 'displays.allowed') allowed = Number(r.to);
    else severity[r.what] = r.to as Severity;
  }
  return AgentConfigSchema.parse({
    seat: { pcName: THIS_PC.pcName, place: THIS_PC.place },
    socketPath: paths.socketPath,
    dataDir: paths.dataDir,
    browser: { name: 'chromium', userDataDir: paths.userDataDir },
    displays: { allowed },
    severity,
  });
}
