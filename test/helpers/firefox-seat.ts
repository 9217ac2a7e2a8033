/**
 * One Firefox exam PC for the Firefox end-to-end tests, set up as IT would, every part real: a test web
 * server that also serves the built add-on as an unsigned .xpi, an X display (with openbox when
 * `windowManager`), `invigil console` (process, SQLite file), `invigil enrol` with the room's code, a
 * seat config for Firefox, `invigil policy --browser firefox` installed as Firefox's machine policy
 * (machine-wide, under the machine-policy lock), `invigil install-host --browser firefox` and `invigil
 * agent`. The test launches Firefox itself (driven over WebDriver BiDi, or in a window with no remote
 * control). `stop()` undoes all of it, the machine-wide native-host files too.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import {
  type AgentProcess,
  agentWorkspace,
  assertBuilt,
  enrolPc,
  runInvigil,
  startAgentProcess,
} from './agent-cli.ts';
import { type ReadyConsole, startReadyConsole } from './console-process.ts';
import {
  buildXpi,
  FIREFOX_HOST_MANIFEST,
  FIREFOX_POLICY_FILE,
  type FirefoxMachineFiles,
  installFirefoxMachineFiles,
} from './firefox.ts';
import { startTestServer, type TestServer } from './test-server.ts';
import { startXDisplay, type XDisplay } from './x-displays.ts';

/** The assessment the seat's policy allows (its host is the only one). */
export const FIREFOX_ASSESSMENT = 'http://exams.example.net/start';

export interface FirefoxSeatOptions {
  pc: string;
  place: string;
  /** Launch flags of the test rig's own that the agent's launch audit is to let through. */
  allowFlags: readonly string[];
  /** The seat config's `severity` (this test machine is a virtual machine, and other engineers' browsers run on it). */
  severity: Record<string, string>;
  /** openbox on the display: keyboard focus for a windowed Firefox. */
  windowManager?: boolean;
  /**
   * A test's own step with Firefox's machine policy once it is installed as generated, before the
   * native host is registered and the agent starts (Firefox reads policy when it starts).
   */
  afterPolicy?: (
    files: FirefoxMachineFiles,
    seat: Pick<FirefoxSeat, 'server' | 'generated'>,
  ) => Promise<void>;
}

export interface FirefoxSeat {
  server: TestServer;
  x: XDisplay;
  console: ReadyConsole;
  agent: AgentProcess;
  /** The agent's workspace (its config file, as `invigil enrol` wrote it, and its socket). */
  ws: ReturnType<typeof agentWorkspace>;
  /** The seat config the agent runs with. */
  config: Record<string, unknown>;
  /** `invigil policy --browser firefox --os linux` as it printed it, and parsed. */
  policyText: string;
  generated: { policies: Record<string, unknown> };
  /** Firefox's machine policy as installed (a test may replace it: `files.update`). */
  files: FirefoxMachineFiles;
  /** The console's incidents, newest first. */
  incidents(): Promise<{ kind: string; description: string }[]>;
  stop(): Promise<void>;
}

/** Starts the PC; on failure, whatever was started is stopped again. */
export async function startFirefoxSeat(options: FirefoxSeatOptions): Promise<FirefoxSeat> {
  assertBuilt();
  const ws = agentWorkspace();
  const xpi = buildXpi();
  const started: {
    server?: TestServer;
    x?: XDisplay;
    wm?: ChildProcess;
    console?: ReadyConsole;
    agent?: AgentProcess;
    files?: FirefoxMachineFiles;
  } = {};
  const stop = async () => {
    // The host manifest install-host wrote, and its launcher, are machine-wide too.
    for (const f of [FIREFOX_HOST_MANIFEST, FIREFOX_HOST_MANIFEST.replace(/\.json$/, '.sh')]) {
      execFileSync('rm', ['-f', f]);
    }
    started.files?.remove();
    await started.agent?.stop();
    await started.console?.stop();
    started.wm?.kill();
    await started.x?.stop();
    await started.server?.close();
    xpi.remove();
    ws.remove();
  };
  try {
    started.server = await startTestServer((req, res) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/invigil.xpi') return false;
      res.writeHead(200, { 'content-type': 'application/x-xpinstall' });
      res.end(xpi.bytes);
      return true;
    });
    const server = started.server;
    started.x = await startXDisplay(94);
    const x = started.x;
    if (options.windowManager)
      started.wm = spawn('openbox', [], { env: { ...process.env, DISPLAY: x.display }, stdio: 'ignore' });
    started.console = await startReadyConsole();
    const console_ = started.console;
    const config = {
      ...enrolPc(console_, ws.configFile, options.pc),
      seat: { pcName: options.pc, place: options.place },
      browser: { name: 'firefox', allowFlags: [...options.allowFlags] },
      policy: {
        extension: { allowedHosts: ['exams.example.net'], assessmentUrl: FIREFOX_ASSESSMENT },
        firefox: { installUrl: `http://127.0.0.1:${server.port}/invigil.xpi` },
      },
      severity: options.severity,
    };
    // IT's steps: the policy from the seat's config, then the native host, both machine-wide.
    writeFileSync(ws.configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
    const policy = runInvigil(['policy', '--browser', 'firefox', '--os', 'linux', '--config', ws.configFile]);
    if (policy.status !== 0) throw new Error(`invigil policy exited ${policy.status}: ${policy.stderr}`);
    const generated = JSON.parse(policy.stdout) as FirefoxSeat['generated'];
    // The file as generated, byte for byte.
    started.files = await installFirefoxMachineFiles({ [FIREFOX_POLICY_FILE]: policy.stdout });
    const files = started.files;
    await options.afterPolicy?.(files, { server, generated });
    const host = runInvigil(['install-host', '--browser', 'firefox', '--socket', ws.socket]);
    if (host.status !== 0) throw new Error(`invigil install-host exited ${host.status}: ${host.stderr}`);
    if (!host.stdout.includes(FIREFOX_HOST_MANIFEST)) {
      throw new Error(`invigil install-host did not say it wrote ${FIREFOX_HOST_MANIFEST}: ${host.stdout}`);
    }
    started.agent = await startAgentProcess(ws, config, { DISPLAY: x.display });
    const agent = started.agent;
    return {
      server,
      x,
      console: console_,
      agent,
      ws,
      config,
      policyText: policy.stdout,
      generated,
      files,
      async incidents() {
        const r = await console_.admin.get<{ incidents: { kind: string; description: string }[] }>(
          '/api/incidents?limit=500',
        );
        return r.body.incidents;
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
