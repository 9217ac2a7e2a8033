/**
 * One exam PC for the chain tests, every part real: a test web server for the assessment, an X
 * display (with openbox and a windowed Chromium when `windowed`), `invigil console` (process, SQLite
 * file), `invigil enrol` with the room's code, `invigil install-host`, `invigil agent`, and Chromium with
 * the built extension linked through the real native host. Optionally the extension's managed
 * configuration installed as machine policy first, as IT deploys it. Only the display, the PC and its
 * place, and the browser's shape differ between the chain tests; `stop()` undoes all of it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { SeatView } from '../../shared/schemas/console-api.ts';
import {
  type AgentProcess,
  agentWorkspace,
  enrolPc,
  runInvigil,
  startAgentProcess,
  waitFor,
} from './agent-cli.ts';
import { TEST_RIG_BROWSER_FLAGS } from './agent-seat.ts';
import { type LaunchedBrowser, launchWithExtension } from './chromium.ts';
import { type ReadyConsole, startReadyConsole } from './console-process.ts';
import { installMachinePolicy, type MachinePolicy } from './machine-policy.ts';
import { startTestServer, type TestServer } from './test-server.ts';
import { startXDisplay, type XDisplay } from './x-displays.ts';

export const ASSESSMENT = 'http://awarding.theimi.org.uk/assessment';

export interface ChainSeatOptions {
  /** The X display number (each chain test file has its own). */
  display: Parameters<typeof startXDisplay>[0];
  pc: string;
  place: string;
  /** A window manager and a Chromium window on the display (keyboard shortcuts need a focused window). */
  windowed?: boolean;
  /** More host names the seat's browser maps to the test server. */
  extraHosts?: readonly string[];
  /** Chromium machine policy (as `invigil policy` writes it), installed before the browser starts. */
  machinePolicy?: Record<string, unknown>;
}

export interface ChainSeat {
  console: ReadyConsole;
  x: XDisplay;
  server: TestServer;
  agent: AgentProcess;
  seatBrowser: LaunchedBrowser;
  /** The agent's workspace (its config file, as `invigil enrol` wrote it, and its socket). */
  ws: ReturnType<typeof agentWorkspace>;
  /** The seat's id once it is connected to the console. */
  seatId(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the exam PC; on failure, whatever was started is stopped again. */
export async function startChainSeat(options: ChainSeatOptions): Promise<ChainSeat> {
  const ws = agentWorkspace();
  const profile = mkdtempSync(join(tmpdir(), 'invigil-profile-'));
  const started: {
    server?: TestServer;
    x?: XDisplay;
    wm?: ChildProcess;
    console?: ReadyConsole;
    agent?: AgentProcess;
    policy?: MachinePolicy;
    seatBrowser?: LaunchedBrowser;
  } = {};
  const stop = async () => {
    started.policy?.remove();
    await started.seatBrowser?.close();
    await started.agent?.stop();
    await started.console?.stop();
    started.wm?.kill();
    await started.x?.stop();
    await started.server?.close();
    rmSync(profile, { recursive: true, force: true });
    ws.remove();
  };
  try {
    started.server = await startTestServer();
    const server = started.server;
    started.x = await startXDisplay(options.display);
    const x = started.x;
    if (options.windowed)
      started.wm = spawn('openbox', [], { env: { ...process.env, DISPLAY: x.display }, stdio: 'ignore' });
    started.console = await startReadyConsole();
    const console_ = started.console;

    // IT's steps on the exam PC: enrol with the code from the console, register the native host.
    const enrolled = enrolPc(console_, ws.configFile, options.pc);
    const host = runInvigil([
      'install-host',
      '--browser',
      'chromium',
      '--user-data-dir',
      profile,
      '--socket',
      ws.socket,
    ]);
    expect(host.status, host.stderr).toBe(0);

    const windowFlags = options.windowed ? ['--window-size', '--window-position'] : [];
    started.agent = await startAgentProcess(
      ws,
      {
        ...enrolled,
        seat: { pcName: options.pc, place: options.place },
        // The tests drive their Chromium through puppeteer (flags the launch audit refuses on a real seat),
        // and the invigilator's dashboard browser runs on this same machine with a profile of its own.
        browser: {
          userDataDir: profile,
          allowFlags: [...TEST_RIG_BROWSER_FLAGS, '--user-data-dir', ...windowFlags],
        },
        // This test machine is a virtual machine with no browser policy and an unpacked extension: real
        // seats get these from IT, and their absence is tested elsewhere.
        severity: { 'virtual-machine': 'info', 'browser-policy': 'info', 'extension-not-managed': 'info' },
      },
      { DISPLAY: x.display },
    );

    if (options.machinePolicy)
      started.policy = await installMachinePolicy('extension', options.machinePolicy);
    const hostMap: Record<string, string> = { 'awarding.theimi.org.uk': server.target };
    for (const h of options.extraHosts ?? []) hostMap[h] = server.target;
    started.seatBrowser = await launchWithExtension({
      userDataDir: profile,
      hostMap,
      ...(options.windowed
        ? {
            headless: false,
            env: { DISPLAY: x.display },
            extraArgs: ['--window-size=1024,700', '--window-position=0,0'],
          }
        : {}),
      ...(options.machinePolicy ? { allowMachinePolicy: true } : {}),
    });
    await started.seatBrowser.worker();
    const agent = started.agent;
    const seatBrowser = started.seatBrowser;
    return {
      console: console_,
      x,
      server,
      agent,
      seatBrowser,
      ws,
      seatId: () =>
        waitFor('the seat on the console', async () => {
          const r = await console_.admin.get<{ seats: SeatView[] }>('/api/seats');
          return r.body.seats.find((s) => s.pcName === options.pc && s.connected)?.id;
        }),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

export interface SeatedCandidate {
  name: string;
  registrationNumber: string;
  room: string;
}

/**
 * A sitting with one candidate at the seat, identity confirmed by photo ID: the console releases the
 * seat. Returns the sitting's and the entry's ids.
 */
export async function seatCandidate(
  console_: ReadyConsole,
  seatId: string,
  who: SeatedCandidate,
): Promise<{ sittingId: string; entryId: string }> {
  const created = await console_.admin.post<{ sitting: { id: string; entries: { id: string }[] } }>(
    '/api/sittings',
    {
      room: who.room,
      startsAt: new Date().toISOString(),
      invigilatorIds: [],
      entries: [
        {
          candidateName: who.name,
          registrationNumber: who.registrationNumber,
          qualificationNumber: '601/8928/9',
          assessment: 'Light vehicle maintenance: online test',
          durationMinutes: 60,
          seatId,
        },
      ],
    },
  );
  expect(created.status, created.text).toBe(201);
  const sittingId = created.body.sitting.id;
  const entryId = created.body.sitting.entries[0]?.id ?? '';
  const ok = await console_.admin.post(`/api/sittings/${sittingId}/entries/${entryId}/identity`, {
    method: 'photo-id',
  });
  expect(ok.status, ok.text).toBe(201);
  return { sittingId, entryId };
}
