/**
 * Every machine check, in checklist order: the one list the daemon (seat/agent.ts) schedules and
 * `invigil check` runs once (check.ts has the contract). Adding a check is a `defineCheck` in its
 * module and one line in CHECKS; test/unit/kiosk-agent/checks/index.test.ts keeps the list, the
 * README's check table and the tests in step.
 */
import type { PolicyOs } from '../../shared/catalogs/browser-policy.ts';
import type { CheckResult } from '../../shared/schemas/common.ts';
import type { AgentConfig } from '../../shared/schemas/config.ts';
import { seatExtensionId } from '../config.ts';
import { DesktopSession } from '../desktop/desktop-session.ts';
import { managedBrowserExecutables } from '../link-trust/identify.ts';
import { readsPolicyArguments } from '../link-trust/launch-audit.ts';
import { profileHostDir } from '../native-host/locations.ts';
import { LAUNCH_CHECK, LaunchAuditor } from './browser-launch.ts';
import { checkBrowserPolicy, POLICY_CHECK } from './browser-policy.ts';
import { type AnyCheck, type CheckContext, type CheckLine, defineCheck } from './check.ts';
import { desktopCheck } from './desktop.ts';
import { displaysCheck } from './displays.ts';
import { EXTENSION_CHECK } from './extension-report.ts';
import {
  ourHostFinding,
  ourHostFindingWindows,
  passwordManagerHostFindings,
  registeredHosts,
} from './native-hosts.ts';
import {
  catalogIndexFor,
  evaluateProcesses,
  listProcessesWithSi,
  PROCESS_CHECK_LINES,
  ProcScanner,
  processOs,
  type RunningProcess,
} from './processes.ts';
import { checkError, checkResult } from './results.ts';
import { checkVirtualMachine, VM_CHECK } from './virtual-machine.ts';
import { VersionInfoCache } from './windows-version-info.ts';

/** This machine's OS, in the catalogs' terms. */
export const hostOs: PolicyOs = processOs();

/** Runs a check; on failure every line it owns becomes an error line. */
export async function guarded(
  lines: readonly CheckLine[],
  run: () => Promise<CheckResult[]>,
): Promise<CheckResult[]> {
  try {
    return await run();
  } catch (error) {
    return lines.map((l) => checkError(l.id, l.title, error));
  }
}

/** The launch audit for this seat's managed browser. */
export function launchAuditorFor(config: AgentConfig): LaunchAuditor {
  return new LaunchAuditor({
    executables: managedBrowserExecutables(config),
    browser: config.browser.name,
    userDataDir: config.browser.userDataDir,
    allowFlags: config.browser.allowFlags,
    firefoxMacPolicy: readsPolicyArguments(config.browser.name),
    caseInsensitivePaths: process.platform === 'win32' || process.platform === 'darwin',
  });
}

/** Windows: fills in each process's original file name and publisher (see windows-version-info.ts). */
export async function withOriginalFileNames(
  list: RunningProcess[],
  cache: VersionInfoCache,
): Promise<RunningProcess[]> {
  if (process.platform !== 'win32') return list;
  const ids = await cache.identities(list.map((p) => p.path ?? ''));
  return list.map((p) => {
    const id = p.path ? ids.get(p.path) : null;
    if (!id) return p;
    return {
      ...p,
      ...(id.originalFileName ? { originalFileName: id.originalFileName } : {}),
      ...(id.publisher ? { publisher: id.publisher } : {}),
    };
  });
}

// ---- programs (every category of the catalog) and the managed browser's launch ----

interface ProcessesState {
  scanner: ProcScanner | null;
  index: ReturnType<typeof catalogIndexFor>;
  auditor: LaunchAuditor;
  versionInfo: VersionInfoCache;
  last: CheckResult[] | null;
}

/** The programs' lines and the browser launch line, from one listing. */
export function processLines(
  list: readonly RunningProcess[],
  config: AgentConfig,
  index = catalogIndexFor(config),
  auditor = launchAuditorFor(config),
): CheckResult[] {
  return [...evaluateProcesses(list, index, config.browser.name), auditor.evaluate(list)];
}

export const processesCheck = defineCheck<ProcessesState>({
  id: 'processes',
  lines: [...Object.values(PROCESS_CHECK_LINES), LAUNCH_CHECK],
  intervalMs: (config) => config.intervals.processesMs,
  setup: (ctx) => ({
    // Linux: /proc, cheaply every 500 ms; elsewhere systeminformation (see processes.ts).
    scanner: process.platform === 'linux' ? new ProcScanner('/proc', 30_000) : null,
    index: catalogIndexFor(ctx.config),
    auditor: launchAuditorFor(ctx.config),
    versionInfo: new VersionInfoCache(),
    last: null,
  }),
  async run(ctx, s) {
    if (s.scanner) {
      const list = s.scanner.scan();
      // Nothing started, stopped or exec'd since the last scan: the same lines as then.
      if (!s.scanner.changed && s.last) return s.last;
      s.last = processLines(list, ctx.config, s.index, s.auditor);
      return s.last;
    }
    const list = await withOriginalFileNames(await listProcessesWithSi(), s.versionInfo);
    return processLines(list, ctx.config, s.index, s.auditor);
  },
});

// ---- slower checks (every 30 s by default) ----

export const virtualMachineCheck = defineCheck({
  id: 'virtual-machine',
  lines: [VM_CHECK],
  // A PC does not become a virtual machine while it runs: at start, then hourly (systeminformation
  // runs dmidecode and friends for it, tens of milliseconds of CPU each time).
  intervalMs: (config) => Math.max(config.intervals.slowChecksMs, 3_600_000),
  run: async () => [await checkVirtualMachine()],
});

export async function browserPolicyOnce(config: AgentConfig): Promise<CheckResult[]> {
  const id = seatExtensionId(config);
  return [await checkBrowserPolicy(config, hostOs, id)];
}

export const browserPolicyCheck = defineCheck({
  id: 'browser-policy',
  lines: [POLICY_CHECK],
  intervalMs: (config) => config.intervals.slowChecksMs,
  run: (ctx) => browserPolicyOnce(ctx.config),
});

/** Password managers' connectors (on the password-manager line) and our own (on the extension line). */
export async function nativeHostsOnce(config: AgentConfig): Promise<CheckResult[]> {
  const udd = config.browser.userDataDir;
  const hosts = await registeredHosts(hostOs, udd ? [profileHostDir(udd)] : []);
  const pm = passwordManagerHostFindings(hosts, config.catalog.nativeHosts);
  const results = [
    checkResult(
      PROCESS_CHECK_LINES['password-manager'].id,
      PROCESS_CHECK_LINES['password-manager'].title,
      pm,
      'No password manager is connected to the browser.',
    ),
  ];
  if (config.browser.requireExtension) {
    const ours =
      hostOs === 'windows'
        ? await ourHostFindingWindows(config.browser.name, seatExtensionId(config))
        : ourHostFinding(config.browser.name, hostOs, udd, seatExtensionId(config));
    results.push(
      checkResult(
        EXTENSION_CHECK.id,
        EXTENSION_CHECK.title,
        ours ? [ours] : [],
        'The browser can start the Invigil connector.',
      ),
    );
  }
  return results;
}

export const nativeHostsCheck = defineCheck({
  id: 'native-hosts',
  lines: [PROCESS_CHECK_LINES['password-manager'], EXTENSION_CHECK],
  intervalMs: (config) => config.intervals.slowChecksMs,
  run: (ctx) => nativeHostsOnce(ctx.config),
});

/** The registry: every machine check, in checklist order. */
export const CHECKS: readonly AnyCheck[] = [
  processesCheck,
  desktopCheck,
  displaysCheck,
  virtualMachineCheck,
  browserPolicyCheck,
  nativeHostsCheck,
];

/** The desktop session a seat's config describes (the candidate's X display). */
export function desktopSessionFor(config: AgentConfig): DesktopSession {
  return new DesktopSession({ display: config.desktop.display, xauthority: config.desktop.xauthority });
}

/** Every machine check once, in parallel (for `invigil check`). */
export async function machineChecksOnce(
  config: AgentConfig,
  checks: readonly AnyCheck[] = CHECKS,
): Promise<CheckResult[][]> {
  const desktop = desktopSessionFor(config);
  const ctx: CheckContext = { config, daemon: false, desktop, wake: () => {} };
  try {
    return await Promise.all(
      checks.map((c) =>
        guarded(c.lines, async () => {
          const state = c.setup?.(ctx);
          try {
            return await c.run(ctx, state);
          } finally {
            await c.stop?.(state);
          }
        }),
      ),
    );
  } finally {
    desktop.close();
  }
}
