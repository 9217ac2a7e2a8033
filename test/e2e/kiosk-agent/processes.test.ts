import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  catalogIndexFor,
  evaluateProcesses,
  listProcessesWithSi,
  ProcScanner,
} from '../../../kiosk-agent/checks/processes.ts';
import { defaultConfig } from '../../../kiosk-agent/config.ts';
import type { CheckResult } from '../../../shared/schemas/common.ts';
import {
  agentOutbox,
  agentStatus,
  agentWorkspace,
  assertBuilt,
  runInvigil,
  startAgentProcess,
  waitFor,
} from '../../helpers/agent-cli.ts';
import {
  killAllNamedProcesses,
  type NamedProcess,
  startNamedProcess,
} from '../../helpers/agent-processes.ts';

beforeAll(assertBuilt);
afterAll(killAllNamedProcesses);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const config = defaultConfig();
const index = catalogIndexFor(config);
const PROCESS_LINES = ['password-manager', 'remote-access', 'screen-recorder', 'other-browser'];

/** "check id: subject" for every process finding. */
function found(results: readonly CheckResult[]): string[] {
  return results
    .filter((r) => PROCESS_LINES.includes(r.id))
    .flatMap((r) => r.findings.map((f) => `${r.id}: ${f.subject}`))
    .sort();
}

const scanner = new ProcScanner();
const viaScan = () => found(evaluateProcesses(scanner.scan(), index, 'chromium'));
const viaSi = async () => found(evaluateProcesses(await listProcessesWithSi(), index, 'chromium'));
function viaCheckCommand(extraArgs: string[] = []): string[] {
  const r = runInvigil(['check', '--json', ...extraArgs]);
  const out = JSON.parse(r.stdout) as { checks: CheckResult[] };
  return found(out.checks);
}

describe('forbidden programs', () => {
  test('nothing is reported on this machine while none is running', async () => {
    expect(viaScan()).toEqual([]);
    expect(await viaSi()).toEqual([]);
    expect(viaCheckCommand()).toEqual([]);
  });

  test('each program named like a catalog entry is found, and gone when it exits', async () => {
    const names = ['KeePassXC', 'teamviewer', 'obs', 'firefox', 'simplescreenrecorder', 'AnyDesk'];
    const procs: NamedProcess[] = [];
    for (const n of names) procs.push(await startNamedProcess(n));
    cleanups.push(() => Promise.all(procs.map((p) => p.stop())));
    const expected = [
      'other-browser: Firefox',
      'password-manager: KeePassXC',
      'remote-access: AnyDesk',
      'remote-access: TeamViewer',
      'screen-recorder: OBS Studio',
      'screen-recorder: SimpleScreenRecorder',
    ];
    expect(viaScan()).toEqual(expected);
    expect(await viaSi()).toEqual(expected);
    expect(viaCheckCommand()).toEqual(expected);

    const keepass = evaluateProcesses(scanner.scan(), index, 'chromium').find(
      (r) => r.id === 'password-manager',
    )?.findings[0];
    expect(keepass?.message).toMatch(
      new RegExp(`KeePassXC, a password manager, is running \\(process KeePassXC, pid ${procs[0]?.pid}\\)`),
    );
    expect(keepass?.severity).toBe('block');

    await Promise.all(procs.map((p) => p.stop()));
    expect(viaScan()).toEqual([]);
    expect(await viaSi()).toEqual([]);
    expect(viaCheckCommand()).toEqual([]);
  });

  test('a name added in the config file is caught like a built-in one', async () => {
    const ws = agentWorkspace();
    cleanups.push(ws.remove);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(ws.configFile, JSON.stringify({ catalog: { remoteAccess: ['examhelperd'] } }));
    const p = await startNamedProcess('examhelperd');
    cleanups.push(() => p.stop());
    expect(viaCheckCommand(['--config', ws.configFile])).toEqual(['remote-access: examhelperd']);
    expect(viaCheckCommand()).toEqual([]);
  });

  test('the running agent notices a password manager starting and stopping, and records both', async () => {
    const ws = agentWorkspace();
    cleanups.push(ws.remove);
    const agent = await startAgentProcess(ws, { intervals: { processesMs: 500 } });
    cleanups.push(() => agent.stop());
    const status = () => agentStatus(ws.socket);
    const hasKeePass = (s: Awaited<ReturnType<typeof status>>) =>
      s.findings.some((f) => f.code === 'password-manager' && f.subject === 'KeePassXC');
    await waitFor('the first round of checks', async () => (await status()).findings.length > 0);
    expect(hasKeePass(await status())).toBe(false);

    const p = await startNamedProcess('KeePassXC');
    cleanups.push(() => p.stop());
    await waitFor('the agent to report KeePassXC', async () => hasKeePass(await status()), 10_000, 50);
    await p.stop();
    await waitFor('the agent to clear KeePassXC', async () => !hasKeePass(await status()), 10_000, 50);

    const events = agentOutbox(ws.dataDir);
    const raised = events.flatMap((e) =>
      e.type === 'event/finding-raised' && e.finding.subject === 'KeePassXC' ? [e.finding] : [],
    );
    const cleared = events.filter((e) => e.type === 'event/finding-cleared' && e.subject === 'KeePassXC');
    expect(raised).toHaveLength(1);
    expect(cleared).toHaveLength(1);
    expect(raised[0]?.code).toBe('password-manager');
  });
});

describe('programs known by what runs (Linux: the executable behind /proc/PID/exe)', () => {
  test('KeePassXC started through a link named "notes" is found, and said to run from a folder users can write to', async () => {
    const p = await startNamedProcess('keepassxc', { via: 'notes' });
    cleanups.push(() => p.stop());
    expect(viaScan()).toEqual(['password-manager: KeePassXC']);
    expect(viaCheckCommand()).toEqual(['password-manager: KeePassXC']);
    const finding = evaluateProcesses(scanner.scan(), index, 'chromium').find(
      (r) => r.id === 'password-manager',
    )?.findings[0];
    expect(finding?.message).toMatch(
      /KeePassXC, a password manager, is running \(process notes, pid \d+; it runs keepassxc\)/,
    );
    expect(finding?.message).toMatch(/started from \/tmp\/invigil-proc-\w+, a folder users can write to/);
    expect(finding?.details).toMatchObject({ userWritable: true });

    const ws = agentWorkspace();
    cleanups.push(ws.remove);
    const agent = await startAgentProcess(ws, { intervals: { processesMs: 500 } });
    cleanups.push(() => agent.stop());
    await waitFor('the running agent to report KeePassXC run as "notes"', async () =>
      (await agentStatus(ws.socket)).findings.some(
        (f) => f.code === 'password-manager' && f.subject === 'KeePassXC',
      ),
    );
  });

  test('a catalog program installed in a root-owned system folder is not said to be user-writable', async () => {
    const p = await startNamedProcess('keepassxc', { parent: '/opt' });
    cleanups.push(() => p.stop());
    const finding = evaluateProcesses(scanner.scan(), index, 'chromium').find(
      (r) => r.id === 'password-manager',
    )?.findings[0];
    expect(finding?.subject).toBe('KeePassXC');
    expect(finding?.message).not.toMatch(/users can write to/);
  });
});
