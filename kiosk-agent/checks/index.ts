/**
 * The machine checks as groups the daemon schedules and `invigil check` runs once. Each group
 * produces one or more checklist lines; a group that throws yields `check-error` on its lines
 * (fail closed: a check that cannot run never passes).
 */
import type { PolicyOs } from '../../shared/catalogs/browser-policy.ts';
import type { CheckResult } from '../../shared/schemas/common.ts';
import type { AgentConfig } from '../../shared/schemas/config.ts';
import { seatExtensionId } from '../config.ts';
import { managedBrowserExecutables } from '../link-trust/identify.ts';
import { profileHostDir } from '../native-host/locations.ts';
import { LAUNCH_CHECK, LaunchAuditor } from './browser-launch.ts';
import { checkBrowserPolicy, POLICY_CHECK } from './browser-policy.ts';
import { DISPLAY_CHECK, evaluateDisplays, listDisplays } from './displays.ts';
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

/** Runs a group; on failure every line it owns becomes an error line. */
export async function guarded(
  lines: readonly { id: string; title: string }[],
  run: () => Promise<CheckResult[]>,
): Promise<CheckResult[]> {
  try {
    return await run();
  } catch (error) {
    return lines.map((l) => checkError(l.id, l.title, error));
  }
}

export const PROCESS_LINES = [...Object.values(PROCESS_CHECK_LINES), LAUNCH_CHECK];

/** The launch audit for this seat's managed browser. */
export function launchAuditorFor(config: AgentConfig): LaunchAuditor {
  return new LaunchAuditor({
    executables: managedBrowserExecutables(config),
    browser: config.browser.name,
    userDataDir: config.browser.userDataDir,
    allowFlags: config.browser.allowFlags,
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

/** Every running process: from /proc on Linux (with each one's executable), systeminformation elsewhere. */
export async function listProcesses(cache = new VersionInfoCache()): Promise<RunningProcess[]> {
  if (process.platform === 'linux') return new ProcScanner().scan();
  return withOriginalFileNames(await listProcessesWithSi(), cache);
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

export async function processesOnce(
  config: AgentConfig,
  cache = new VersionInfoCache(),
  auditor = launchAuditorFor(config),
): Promise<CheckResult[]> {
  return processLines(await listProcesses(cache), config, catalogIndexFor(config), auditor);
}

export async function displaysOnce(config: AgentConfig): Promise<CheckResult[]> {
  return [evaluateDisplays(await listDisplays(), config.displays.allowed)];
}

export async function browserPolicyOnce(config: AgentConfig): Promise<CheckResult[]> {
  const id = seatExtensionId(config);
  return [await checkBrowserPolicy(config, hostOs, id)];
}

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

export const SLOW_GROUPS = {
  'virtual-machine': { lines: [VM_CHECK], run: async () => [await checkVirtualMachine()] },
  'browser-policy': { lines: [POLICY_CHECK], run: browserPolicyOnce },
  'native-hosts': {
    lines: [PROCESS_CHECK_LINES['password-manager'], EXTENSION_CHECK],
    run: nativeHostsOnce,
  },
} as const satisfies Record<
  string,
  { lines: readonly { id: string; title: string }[]; run: (c: AgentConfig) => Promise<CheckResult[]> }
>;

/** Every machine check once, in parallel (for `invigil check`). */
export async function machineChecksOnce(config: AgentConfig): Promise<CheckResult[][]> {
  return Promise.all([
    guarded(PROCESS_LINES, () => processesOnce(config)),
    guarded([DISPLAY_CHECK], () => displaysOnce(config)),
    ...Object.values(SLOW_GROUPS).map((g) => guarded(g.lines, () => g.run(config))),
  ]);
}
