/**
 * `invigil demo`: the whole system on this one PC, from a throwaway folder, for someone deciding in
 * ten minutes whether Invigil is worth deploying. It runs the real parts as a centre would, with the
 * real commands (printed as it goes): `invigil console`, setup through the console's one-time setup
 * link, `invigil enrol`, `invigil install-host`, `invigil agent`, and Chromium with the extension.
 * Beside this PC it runs a few simulated seats; it serves a stand-in assessment page; then it prints
 * a one-time dashboard link and things to try, and turns keys in its terminal into those things.
 * Ctrl-C (or SIGTERM, or q) stops everything it started, in order, and removes the folder.
 */

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { desktopCheck } from '../kiosk-agent/checks/desktop.ts';
import { displaySource, listDisplays } from '../kiosk-agent/checks/displays.ts';
import { browserPolicyOnce, machineChecksOnce } from '../kiosk-agent/checks/index.ts';
import { checkVirtualMachine } from '../kiosk-agent/checks/virtual-machine.ts';
import { socketAnswers } from '../kiosk-agent/seat/local-server.ts';
import { SEAT_STATE_LABELS } from '../shared/rules/readiness.ts';
import { AgentConfigSchema } from '../shared/schemas/config.ts';
import type { SeatView } from '../shared/schemas/console-api.ts';
import { POLICY_DEFAULTS } from '../shared/schemas/policy.ts';
import { ASSESSMENT_HOSTS, type AssessmentSite, startAssessmentSite } from './assessment-site.ts';
import { type CandidateBrowser, findChromium, startCandidateBrowser } from './browser.ts';
import { ConsoleApi } from './console-api.ts';
import {
  DEMO_CANDIDATES,
  DEMO_CENTRE_NAME,
  DEMO_COORDINATOR,
  DEMO_IDENTITY_NOTE,
  DEMO_INVIGILATOR,
  DEMO_ROOM,
  demoSitting,
  SIMULATED_SEATS,
  THIS_PC,
} from './demo-data.ts';
import { findFirefox, startFirefoxBrowser } from './firefox.ts';
import { type ActionInput, DEMO_ACTIONS, type DemoAction, listenForActions } from './keys.ts';
import { type DemoChild, endProcessesMentioning, startChild } from './processes.ts';
import { type DemoBrowser, demoRelaxations, demoSeatConfig, type MachineFacts } from './seat-config.ts';
import { enrolSimulatedSeats, type SimulatedRoom } from './simulated-seats.ts';
import {
  plugCommands,
  startVirtualDisplay,
  type VirtualDisplay,
  virtualDisplayMissing,
} from './virtual-display.ts';

export interface DemoOptions {
  /** Headless Chromium even when there is a display. */
  headless: boolean;
  /** The candidate's browser (default Chromium). */
  browser?: DemoBrowser;
  /** The console's port (0: a free one). */
  port: number;
  /** Keep the throwaway folder when stopping. */
  keep: boolean;
  /** The built `invigil` (dist/cli/invigil.js) the demo runs for each part. */
  cliPath: string;
  version: string;
  out?: NodeJS.WriteStream;
  input?: NodeJS.ReadStream;
  env?: NodeJS.ProcessEnv;
}

/** A problem the person running the demo can fix: printed as one line. */
export class DemoError extends Error {
  override name = 'DemoError';
}

/** What a candidate might try: an answers search. Blocked before any request leaves the browser. */
export const FORBIDDEN_URL = 'https://www.google.com/search?q=mot+class+4+test+answers';
/** A program named like a password manager (the agent's catalog knows KeePassXC). */
export const PASSWORD_MANAGER_NAME = 'KeePassXC';
const READY_TIMEOUT_MS = 120_000;

class Stopped extends Error {}

function freePortCheck(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const s = createServer();
    s.once('error', () => resolveFree(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolveFree(true)));
  });
}

const time = () => new Date().toTimeString().slice(0, 8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Demo {
  private readonly out: NodeJS.WriteStream;
  private readonly env: NodeJS.ProcessEnv;
  private readonly color: boolean;
  private dir = '';
  private children: DemoChild[] = [];
  private xorg: VirtualDisplay | null = null;
  private agentDisplay: { display: string | null; own: boolean } = { display: null, own: false };
  private browser: CandidateBrowser | null = null;
  private site: AssessmentSite | null = null;
  private room: SimulatedRoom | null = null;
  private api: ConsoleApi | null = null;
  private coordinatorId = '';
  private passwordManager: DemoChild | null = null;
  private secondDisplay = false;
  private displayBusy = false;
  private input: ActionInput | null = null;
  private watcher: NodeJS.Timeout | null = null;
  private stopping = false;
  private stopped: Promise<number> | null = null;
  private stopAskedAt = 0;
  private starting: Promise<void> | null = null;
  private exitCode = 0;
  private finished!: (code: number) => void;
  readonly done = new Promise<number>((r) => {
    this.finished = r;
  });

  constructor(private readonly o: DemoOptions) {
    this.out = o.out ?? process.stdout;
    this.env = o.env ?? process.env;
    this.color = Boolean(this.out.isTTY) && !this.env.NO_COLOR;
  }

  // ---- output ----

  private bold(s: string): string {
    return this.color ? `\x1b[1m${s}\x1b[0m` : s;
  }
  private blankLast = false;
  private print(line = ''): void {
    // One blank line between sections, however they meet.
    if (!line && this.blankLast) return;
    this.blankLast = !line;
    this.out.write(`${line}\n`);
  }
  private step(message: string): void {
    this.print(this.bold(`▸ ${message}`));
  }
  private detail(message: string): void {
    this.print(`  ${message}`);
  }
  private command(args: string[]): string {
    return `invigil ${args.join(' ')}`;
  }

  private checkpoint(): void {
    if (this.stopping) throw new Stopped();
  }

  // ---- start ----

  /** Starts everything; resolves once the demo is running (or throws a DemoError, having cleaned up). */
  start(): Promise<void> {
    this.starting = (async () => {
      try {
        await this.startParts();
      } catch (error) {
        // Stopping part-way: stop() cleans up once this has settled.
        if (error instanceof Stopped || this.stopping) return;
        await this.cleanUp();
        throw error;
      }
    })();
    return this.starting;
  }

  private async startParts(): Promise<void> {
    const cli = this.o.cliPath;
    const dist = resolve(dirname(cli), '..');
    const firefox = this.o.browser === 'firefox';
    const browserName = firefox ? 'Firefox' : 'Chromium';
    const extensionDir = join(dist, firefox ? 'extension-firefox' : 'extension');
    if (!existsSync(join(extensionDir, 'manifest.json')))
      throw new DemoError(
        `the extension is not built (${extensionDir}): run \`npm run build\` (npm start does)`,
      );
    if (!existsSync(join(dist, 'dashboard', 'index.html')))
      throw new DemoError(`the dashboard is not built (${join(dist, 'dashboard')}): run \`npm run build\``);
    const firefoxPath = firefox ? findFirefox(this.env) : null;
    if (firefox && !firefoxPath)
      throw new DemoError(
        this.env.FIREFOX_PATH
          ? `FIREFOX_PATH is ${this.env.FIREFOX_PATH}, which does not exist`
          : 'Firefox ESR is not installed: run `sudo apt-get install firefox-esr`, or set FIREFOX_PATH',
      );
    const chromium = firefox ? '' : findChromium(this.env);
    if (!firefox && !chromium)
      throw new DemoError(
        this.env.CHROMIUM_PATH
          ? `CHROMIUM_PATH is ${this.env.CHROMIUM_PATH}, which does not exist`
          : 'Chromium is not installed: run `sudo apt-get install chromium` (npm start installs it when run as root), or set CHROMIUM_PATH',
      );
    if (this.o.port !== 0 && !(await freePortCheck(this.o.port)))
      throw new DemoError(
        `port ${this.o.port} is already in use (another console or demo?): choose another with --port N, or --port 0 for a free one`,
      );

    const hasDisplay = Boolean(this.env.DISPLAY || this.env.WAYLAND_DISPLAY);
    const windowed = hasDisplay && !this.o.headless;
    this.print(
      this.bold(
        `Invigil demo ${this.o.version}: the whole system on this PC. Ctrl-C stops it and removes what it made.`,
      ),
    );
    this.print();

    this.dir = mkdtempSync(join(tmpdir(), 'invigil-demo-'));
    const d = {
      console: join(this.dir, 'console'),
      agent: join(this.dir, 'agent'),
      run: join(this.dir, 'run'),
      profile: join(this.dir, 'browser-profile'),
      // Firefox's HOME: ~/.mozilla/native-messaging-hosts, where install-host --user puts the manifest.
      home: join(this.dir, 'home'),
      logs: join(this.dir, 'logs'),
      site: join(this.dir, 'assessment-site'),
      bin: join(this.dir, 'bin'),
      xorg: join(this.dir, 'xorg'),
    };
    for (const p of Object.values(d)) mkdirSync(p, { recursive: true, mode: 0o700 });
    const seatFile = join(d.agent, 'seat.json');
    const socketPath = join(d.run, 'agent.sock');
    this.step(`Throwaway folder ${this.dir}${this.o.keep ? ' (kept afterwards: --keep)' : ''}`);
    this.detail(`logs of every part in ${d.logs}`);

    // The display the agent checks: this PC's own, or a virtual one.
    if (this.env.DISPLAY) {
      this.agentDisplay = { display: this.env.DISPLAY, own: false };
      this.step(`Display checks: your display ${this.env.DISPLAY}`);
    } else if (this.env.WAYLAND_DISPLAY) {
      this.agentDisplay = { display: null, own: false };
      this.step('Display checks: your Wayland session (connected displays as the kernel lists them)');
    } else {
      const missing = virtualDisplayMissing();
      if (missing) {
        this.step(`Display checks: no display here, and no virtual one (${missing})`);
        this.detail(
          'the agent counts the displays the kernel lists; "plug in a second display" is not available',
        );
      } else {
        this.xorg = await startVirtualDisplay({ dir: d.xorg, detached: true });
        this.agentDisplay = { display: this.xorg.display, own: true };
        this.step(
          `Display checks: no display here, so a virtual one: Xorg (dummy driver) on ${this.xorg.display}, one monitor`,
        );
      }
    }
    this.checkpoint();

    // The console, as IT runs it.
    const consoleArgs = [
      'console',
      '--port',
      String(this.o.port),
      '--host',
      '127.0.0.1',
      '--data',
      d.console,
    ];
    this.step(`Console: ${this.command(consoleArgs)}`);
    const consoleProc = await startChild(
      'the console',
      process.execPath,
      [cli, ...consoleArgs],
      join(d.logs, 'console.log'),
      { env: this.env, captureStdout: true },
    );
    this.children.push(consoleProc);
    const deadline = Date.now() + 30_000;
    while (!/Seats connect to/.test(consoleProc.stdout())) {
      if (!consoleProc.running())
        throw new DemoError(this.lastLogLine(consoleProc, 'the console stopped at start'));
      if (Date.now() > deadline) throw new DemoError(`the console did not start; see ${consoleProc.logFile}`);
      this.checkpoint();
      await sleep(50);
    }
    const url = consoleProc.stdout().match(/listening on (http:\/\/\S+)/)?.[1];
    const setupToken = consoleProc.stdout().match(/Setup link: \S+\/#\/setup\/(\S+)/)?.[1];
    if (!url || !setupToken)
      throw new DemoError(`the console printed no address or setup link; see ${consoleProc.logFile}`);
    this.detail(`listening on ${url}`);

    // The person who started the console uses its one-time setup link; then makes what a centre needs.
    const api = new ConsoleApi(url);
    this.api = api;
    const password = randomBytes(12).toString('base64url');
    const setup = await api.call('completeSetup', {
      body: {
        token: setupToken,
        centreName: DEMO_CENTRE_NAME,
        name: DEMO_COORDINATOR.name,
        pin: DEMO_COORDINATOR.pin,
        password,
      },
    });
    this.coordinatorId = setup.invigilator.id;
    const tom = await api.call('createInvigilator', {
      body: {
        name: DEMO_INVIGILATOR.name,
        pin: DEMO_INVIGILATOR.pin,
        password: randomBytes(12).toString('base64url'),
        role: 'invigilator',
      },
    });
    // Codes are single-use unless asked for more: this one is for exactly this PC and the simulated seats.
    const enrolling = SIMULATED_SEATS.length + 1;
    const { code } = await api.call('createEnrolmentCode', { body: { uses: enrolling, validHours: 1 } });
    this.step(`Demo centre "${DEMO_CENTRE_NAME}" set up through the console's setup link`);
    this.detail(`coordinator ${DEMO_COORDINATOR.name} (PIN ${DEMO_COORDINATOR.pin}, password ${password})`);
    this.detail(
      `invigilator ${DEMO_INVIGILATOR.name}; enrolment code ${code} (for the ${enrolling} demo PCs, valid for an hour)`,
    );
    this.checkpoint();

    // This PC's seat: what the real checks find here decides what the demo must relax.
    const profile = d.profile;
    const demoBrowser: DemoBrowser = firefox ? 'firefox' : 'chromium';
    const facts = await this.machineFacts(profile, demoBrowser);
    const relaxations = demoRelaxations(facts, demoBrowser);
    const config = demoSeatConfig(
      { socketPath, dataDir: join(d.agent, 'data'), userDataDir: profile },
      relaxations,
      demoBrowser,
    );
    writeFileSync(seatFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    this.step('Relaxed for this demo, in the seat config (real seats keep the defaults):');
    for (const r of relaxations) this.detail(`${r.what} → ${r.to}: ${r.why}`);

    const enrolArgs = [
      'enrol',
      '--console',
      url,
      '--code',
      code,
      '--config',
      seatFile,
      '--pc-name',
      THIS_PC.pcName,
    ];
    this.step(`Enrolling this PC: ${this.command(enrolArgs)}`);
    await this.runCli(enrolArgs, 'enrol');
    const hostArgs = firefox
      ? ['install-host', '--browser', 'firefox', '--user', '--socket', socketPath]
      : ['install-host', '--browser', 'chromium', '--user-data-dir', profile, '--socket', socketPath];
    if (firefox) {
      this.step(`Native host for the demo's Firefox user: HOME=${d.home} ${this.command(hostArgs)}`);
      this.detail(
        'Firefox reads native-messaging manifests only from fixed folders; the demo runs its Firefox and agent with this HOME',
      );
      await this.runCli(hostArgs, 'install-host', { HOME: d.home });
    } else {
      this.step(`Native host into the demo browser profile: ${this.command(hostArgs)}`);
      await this.runCli(hostArgs, 'install-host');
    }
    this.checkpoint();

    // Simulated seats and the sitting.
    this.room = await enrolSimulatedSeats(url, code, SIMULATED_SEATS, this.o.version);
    const seatIds = new Map(this.room.seatIds);
    const enrolled = AgentConfigSchema.parse(JSON.parse(readFileSync(seatFile, 'utf8')));
    if (enrolled.console) seatIds.set(THIS_PC.pcName, enrolled.console.seatId);
    const { sitting } = await api.call('createSitting', {
      body: demoSitting(seatIds, [this.coordinatorId, tom.invigilator.id]),
    });
    for (const c of DEMO_CANDIDATES.filter((x) => x.identityConfirmed)) {
      const entry = sitting.entries.find((e) => e.registrationNumber === c.registrationNumber);
      if (!entry) continue;
      await api.call('confirmIdentity', {
        params: { id: sitting.id, entryId: entry.id },
        body: { method: 'photo-id', note: DEMO_IDENTITY_NOTE },
      });
    }
    this.room.start();
    const waiting = DEMO_CANDIDATES.filter((c) => !c.identityConfirmed);
    this.step(
      `${SIMULATED_SEATS.length} simulated seats (${SIMULATED_SEATS.map((s) => s.pcName).join(', ')}), speaking the real seat protocol from this process`,
    );
    this.step(`Sitting in ${DEMO_ROOM}: ${DEMO_CANDIDATES.length} candidates, starting now`);
    this.detail(
      `identity checked at start for ${DEMO_CANDIDATES.length - waiting.length}; ${waiting.map((c) => `${c.name} at ${c.pcName}`).join(', ')} waits for you`,
    );
    this.checkpoint();

    // The assessment page and the candidate's browser.
    const hostMap: Record<string, string> = {};
    try {
      this.site = await startAssessmentSite(d.site);
      for (const h of ASSESSMENT_HOSTS) hostMap[h] = `127.0.0.1:${this.site.port}`;
      this.step(
        `Assessment page: ${POLICY_DEFAULTS.assessmentUrl} served by the demo on 127.0.0.1:${this.site.port}`,
      );
      this.detail(
        firefox
          ? "the demo's Firefox reaches the awarding body's host names here through a proxy the demo runs, and accepts this page's self-signed certificate (made with openssl) for its WebDriver BiDi session only"
          : "the demo browser maps the awarding body's host names here and trusts this page's self-signed certificate (made with openssl) by its key, in its profile only",
      );
    } catch (error) {
      this.step(
        `No assessment page: ${(error as Error).message}; the candidate's browser shows a connection error instead`,
      );
    }
    this.checkpoint();
    try {
      this.browser = firefoxPath
        ? await startFirefoxBrowser({
            firefox: firefoxPath,
            profile,
            home: d.home,
            extensionDir,
            headless: !windowed,
            hostMap,
            startUrl: POLICY_DEFAULTS.assessmentUrl,
            logFile: join(d.logs, 'firefox.log'),
            env: this.env,
          })
        : await startCandidateBrowser({
            chromium: chromium || '',
            profile,
            extensionDir,
            headless: !windowed,
            hostMap,
            ...(this.site ? { spkiHash: this.site.spkiHash } : {}),
            startUrl: POLICY_DEFAULTS.assessmentUrl,
            logFile: join(d.logs, 'chromium.log'),
            env: this.env,
          });
    } catch (error) {
      if (!firefox) throw error;
      throw new DemoError((error as Error).message);
    }
    this.children.push(this.browser.process);
    this.step(
      `The candidate's browser: ${browserName} ${windowed ? 'in a window' : hasDisplay ? 'headless (--headless)' : 'headless (no display)'} with the Invigil extension, profile ${profile}`,
    );

    // The agent last, once the candidate's first page has loaded: a gate instruction reaching the
    // extension while the browser's very first navigation is in flight can leave the tab blank
    // (seen in headless Chromium 150 when both start together).
    const first = await this.browser.firstPage(20_000);
    if (first.note) this.detail(first.note);
    this.checkpoint();
    const agentArgs = ['agent', '--config', seatFile];
    this.step(`Agent: ${this.command(agentArgs)}`);
    const agentEnv: NodeJS.ProcessEnv = { ...this.env, ...(firefox ? { HOME: d.home } : {}) };
    if (this.agentDisplay.own && this.agentDisplay.display) agentEnv.DISPLAY = this.agentDisplay.display;
    const agent = await startChild(
      'the agent',
      process.execPath,
      [cli, ...agentArgs],
      join(d.logs, 'agent.log'),
      {
        env: agentEnv,
      },
    );
    this.children.push(agent);
    const agentDeadline = Date.now() + 30_000;
    while (!(await socketAnswers(socketPath))) {
      if (!agent.running()) throw new DemoError(this.lastLogLine(agent, 'the agent stopped at start'));
      if (Date.now() > agentDeadline)
        throw new DemoError(`the agent did not open its socket; see ${agent.logFile}`);
      this.checkpoint();
      await sleep(100);
    }

    // Wait for this PC's seat to settle.
    this.out.write(this.bold(`▸ Waiting for ${THIS_PC.pcName} to report Ready…`));
    this.blankLast = false;
    const seat = await this.waitForThisPc();
    this.print();
    if (seat?.state === 'ready') this.detail(`${THIS_PC.pcName} is Ready.`);
    else {
      this.detail(
        `${THIS_PC.pcName} is ${seat ? SEAT_STATE_LABELS[seat.state] : 'not reporting yet'}${seat?.reasons.length ? `: ${this.reasonsText(seat)}` : ''}.`,
      );
      this.detail(
        'That is Invigil reporting what it finds on this PC; the dashboard says what to do about it.',
      );
    }
    this.checkpoint();

    await this.printSignInLink(60);
    this.printThingsToTry();
    this.startWatching(seat);
    this.input = listenForActions(
      this.o.input ?? process.stdin,
      (a) => void this.act(a),
      () => void this.stop('Ctrl-C'),
      (t) => this.print(`  (no action for "${t}": press h for the list)`),
    );
  }

  private async machineFacts(profile: string, browser: DemoBrowser): Promise<MachineFacts> {
    const base = AgentConfigSchema.parse({ browser: { name: browser, userDataDir: profile } });
    const [vm, policy] = await Promise.all([checkVirtualMachine(), browserPolicyOnce(base)]);
    const policyFindings = policy[0]?.findings ?? [];
    let displays: MachineFacts['displays'] = null;
    if (!this.agentDisplay.own && (this.env.DISPLAY || this.env.WAYLAND_DISPLAY)) {
      // This PC's own displays, counted the way the agent will count them.
      displays = await listDisplays(displaySource(this.env)).then(
        (list) => ({ names: list.map((x) => x.name) }),
        () => null,
      );
    }
    let desktopPrograms: string[] | undefined;
    if (!this.agentDisplay.own && this.env.DISPLAY && /^:\d+(\.\d+)?$/.test(this.env.DISPLAY)) {
      // The programs on this PC's own desktop now, judged the way the agent will judge them.
      const withDisplay = AgentConfigSchema.parse({
        browser: { name: browser, userDataDir: profile },
        desktop: { display: this.env.DISPLAY.replace(/\.\d+$/, '') },
      });
      const [line] = (await machineChecksOnce(withDisplay, [desktopCheck]).catch(() => [[]])).flat();
      desktopPrograms = [...new Set((line?.findings ?? []).map((f) => f.subject ?? '').filter(Boolean))];
    }
    return {
      ...(desktopPrograms ? { desktopPrograms } : {}),
      virtualMachine: vm.findings[0]?.subject ?? null,
      browserPolicyProblem:
        policyFindings.length > 0
          ? `${policyFindings[0]?.message ?? ''}${policyFindings.length > 1 ? ` and ${policyFindings.length - 1} more` : ''}`
          : null,
      displays,
      agentUser: userInfo().username,
    };
  }

  private lastLogLine(child: DemoChild, fallback: string): string {
    try {
      const lines = readFileSync(child.logFile, 'utf8').trim().split('\n');
      const plain = [...lines].reverse().find((l) => l.startsWith('invigil '));
      return plain ? plain.replace(/^invigil \w+: /, '') : `${fallback}; see ${child.logFile}`;
    } catch {
      return `${fallback}; see ${child.logFile}`;
    }
  }

  /** Runs a one-shot `invigil` command as IT would, with its output in the logs. */
  private runCli(args: string[], name: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
    return new Promise((resolveRun, reject) => {
      const child = spawn(process.execPath, [this.o.cliPath, ...args], {
        env: { ...this.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (b: Buffer) => {
        text += b.toString();
      });
      child.stderr.on('data', (b: Buffer) => {
        text += b.toString();
      });
      child.once('error', reject);
      child.once('exit', (code) => {
        writeFileSync(join(this.dir, 'logs', `${name}.log`), text);
        if (code === 0) resolveRun();
        else
          reject(
            new DemoError(`\`invigil ${name}\` failed: ${text.trim().split('\n').at(-1) ?? `exit ${code}`}`),
          );
      });
    });
  }

  private reasonsText(seat: SeatView): string {
    return seat.reasons
      .slice(0, 2)
      .map((r) => r.message)
      .join('; ');
  }

  private async thisPc(): Promise<SeatView | undefined> {
    const { seats } = (await this.api?.call('listSeats')) ?? { seats: [] };
    return seats.find((s) => s.pcName === THIS_PC.pcName);
  }

  private async waitForThisPc(): Promise<SeatView | undefined> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let seat: SeatView | undefined;
    let dots = 0;
    while (Date.now() < deadline) {
      this.checkpoint();
      seat = await this.thisPc().catch(() => seat);
      if (seat?.connected && seat.state === 'ready') return seat;
      if (++dots % 5 === 0) this.out.write('.');
      await sleep(1000);
    }
    return seat;
  }

  private async printSignInLink(minutes: number): Promise<void> {
    const link = await this.api?.call('createSignInLink', {
      params: { id: this.coordinatorId },
      body: { validMinutes: minutes },
    });
    if (!link) return;
    this.print();
    this.print(
      this.bold(
        `Dashboard: open this link (it signs you in as ${DEMO_COORDINATOR.name}; once, within ${minutes} minutes):`,
      ),
    );
    this.print(`  ${link.url}`);
  }

  private printThingsToTry(): void {
    const own = this.agentDisplay.own && this.agentDisplay.display;
    const windowed = Boolean(this.env.DISPLAY || this.env.WAYLAND_DISPLAY) && !this.o.headless;
    const k = (a: DemoAction) => DEMO_ACTIONS[a].key;
    this.print();
    this.print(this.bold('Things to try (each shows on the seat map). Press a key here:'));
    this.print(
      `  ${k('forbidden-site')}  the candidate opens a forbidden site (${new URL(FORBIDDEN_URL).host}): blocked in the browser, an incident on the Incidents page`,
    );
    this.print(
      `  ${k('password-manager')}  start / stop a program named ${PASSWORD_MANAGER_NAME} (a copy of /bin/sleep): ${THIS_PC.pcName} turns Not ready, and back`,
    );
    this.print(
      `  ${k('display')}  ${own ? `plug / unplug a second monitor on the virtual display ${this.agentDisplay.display}` : 'plug in a second display (you do it: see below)'}: ${THIS_PC.pcName} turns Not ready`,
    );
    this.print(`  ${k('screenshot')}  save a picture of what the candidate sees`);
    this.print(`  ${k('sign-in-link')}  a new dashboard sign-in link`);
    this.print(`  ${k('quit')}  stop the demo (or Ctrl-C)`);
    this.print(
      `  On the seat map: "Check ID" for ${DEMO_CANDIDATES.filter((c) => !c.identityConfirmed)
        .map((c) => `${c.name} at ${c.pcName}`)
        .join(', ')}; Message a candidate; the record of the sitting.`,
    );
    this.print();
    this.print(this.bold('The same by hand:'));
    this.print(
      windowed
        ? `  forbidden site:   type any address in the candidate's window, such as ${new URL(FORBIDDEN_URL).host}`
        : '  forbidden site:   (a headless browser has no address bar: press f)',
    );
    this.print(
      `  password manager: cp /bin/sleep /tmp/${PASSWORD_MANAGER_NAME} && /tmp/${PASSWORD_MANAGER_NAME} 600 &   (then: kill $!)`,
    );
    if (own && this.agentDisplay.display) {
      const [first, ...rest] = plugCommands(this.agentDisplay.display);
      this.print(`  second display:   ${first}`);
      for (const c of rest) this.print(`                    ${c}`);
    } else {
      this.print(
        '  second display:   plug a monitor or projector into this PC (or mirror your screen onto one)',
      );
    }
    this.print();
  }

  // ---- running ----

  private startWatching(initial: SeatView | undefined): void {
    let last = initial ? `${initial.state}|${this.reasonsText(initial)}` : '';
    const seenIncidents = new Set<string>();
    let first = true;
    const tick = async () => {
      if (this.stopping || !this.api) return;
      try {
        const seat = await this.thisPc();
        if (seat) {
          const key = `${seat.state}|${this.reasonsText(seat)}`;
          if (key !== last) {
            last = key;
            this.print(
              `${time()}  ${THIS_PC.pcName} is ${SEAT_STATE_LABELS[seat.state]}${seat.reasons.length ? `: ${this.reasonsText(seat)}` : ''}`,
            );
          }
        }
        const { incidents } = await this.api.call('listIncidents', { query: { limit: 20 } });
        for (const i of [...incidents].reverse()) {
          if (seenIncidents.has(i.id)) continue;
          seenIncidents.add(i.id);
          if (!first)
            this.print(
              `${time()}  Incident at ${i.pcName ?? 'the centre'}: ${i.kindLabel}: ${i.description}`,
            );
        }
        first = false;
      } catch {
        // the console is stopping or busy; the next tick tries again
      }
      if (!this.stopping) this.watcher = setTimeout(() => void tick(), 1000);
    };
    this.watcher = setTimeout(() => void tick(), 1000);
    for (const child of this.children) {
      void child.exited.then((code) => {
        if (this.stopping) return;
        if (child === this.browser?.process) {
          this.print(
            `${time()}  The candidate's browser has closed: ${THIS_PC.pcName} will say so. Press q to stop the demo.`,
          );
          return;
        }
        const how = child.child.signalCode ? `killed by ${child.child.signalCode}` : `exit ${code}`;
        this.print(`✖ ${child.name} stopped unexpectedly (${how}); its log: ${child.logFile}`);
        this.exitCode = 1;
        void this.stop();
      });
    }
  }

  private async act(action: DemoAction): Promise<void> {
    if (this.stopping) return;
    try {
      switch (action) {
        case 'forbidden-site':
          if (!this.browser?.process.running()) {
            this.print("  The candidate's browser is not running.");
            return;
          }
          this.print(`${time()}  The candidate goes to ${FORBIDDEN_URL}`);
          await this.browser.navigate(FORBIDDEN_URL);
          return;
        case 'password-manager':
          await this.togglePasswordManager();
          return;
        case 'display':
          await this.toggleDisplay();
          return;
        case 'screenshot': {
          if (!this.browser?.process.running()) {
            this.print("  The candidate's browser is not running.");
            return;
          }
          const folder = resolve('.invigil-demo');
          mkdirSync(folder, { recursive: true });
          const file = join(folder, `candidate-${time().replaceAll(':', '')}.png`);
          const address = await this.browser.screenshot(file);
          this.print(`${time()}  Saved what the candidate sees (${address}): ${file}`);
          return;
        }
        case 'sign-in-link':
          await this.printSignInLink(15);
          return;
        case 'help':
          this.printThingsToTry();
          return;
        case 'quit':
          await this.stop('q');
          return;
      }
    } catch (error) {
      this.print(`  Could not do that: ${(error as Error).message}`);
    }
  }

  private async togglePasswordManager(): Promise<void> {
    if (this.passwordManager?.running()) {
      const pm = this.passwordManager;
      this.passwordManager = null;
      await pm.stop(1000);
      this.children = this.children.filter((c) => c !== pm);
      this.print(`${time()}  Stopped ${PASSWORD_MANAGER_NAME}: ${THIS_PC.pcName} turns Ready again`);
      return;
    }
    const file = join(this.dir, 'bin', PASSWORD_MANAGER_NAME);
    if (!existsSync(file)) copyFileSync('/bin/sleep', file);
    const pm = await startChild(
      PASSWORD_MANAGER_NAME,
      file,
      ['3600'],
      join(this.dir, 'logs', 'password-manager.log'),
    );
    this.passwordManager = pm;
    this.children.push(pm);
    this.print(
      `${time()}  Started a program named ${PASSWORD_MANAGER_NAME} (pid ${pm.pid}): ${THIS_PC.pcName} turns Not ready within a second or two`,
    );
  }

  private async toggleDisplay(): Promise<void> {
    const xorg = this.xorg;
    if (!this.agentDisplay.own || !xorg) {
      this.print(
        '  This PC uses your own display: plug in another monitor or a projector to see the seat turn Not ready.',
      );
      return;
    }
    if (this.displayBusy) return;
    this.displayBusy = true;
    try {
      if (!this.secondDisplay) {
        xorg.plug(1);
        this.secondDisplay = true;
        this.print(
          `${time()}  Plugged a second monitor (DUMMY1) into ${xorg.display}: ${THIS_PC.pcName} turns Not ready`,
        );
        return;
      }
      // The dummy driver keeps a monitor connected once it has had a picture: a fresh server is the unplug.
      const number = Number(xorg.display.slice(1));
      await xorg.stop();
      this.xorg = await startVirtualDisplay({ number, dir: join(this.dir, 'xorg'), detached: true });
      this.secondDisplay = false;
      this.print(
        `${time()}  Unplugged it (the dummy driver cannot unplug, so ${xorg.display} restarted with one monitor): ${THIS_PC.pcName} turns Ready again`,
      );
    } finally {
      this.displayBusy = false;
    }
  }

  // ---- stop ----

  /** Stops everything it started, in order, and removes the folder. Safe to call more than once. */
  stop(why?: string): Promise<number> {
    if (this.stopped) {
      // One Ctrl-C can arrive twice (from the terminal, and forwarded by npm start): say so only once it is not that.
      if (why && Date.now() - this.stopAskedAt > 1000) this.print('  (already stopping: a few seconds)');
      return this.stopped;
    }
    this.stopping = true;
    this.stopAskedAt = Date.now();
    this.stopped = (async () => {
      this.print();
      this.step(`Stopping${why ? ` (${why})` : ''}…`);
      await this.starting?.catch(() => undefined);
      await this.cleanUp();
      this.finished(this.exitCode);
      return this.exitCode;
    })();
    return this.stopped;
  }

  private async cleanUp(): Promise<void> {
    this.stopping = true;
    this.input?.close();
    this.input = null;
    if (this.watcher) clearTimeout(this.watcher);
    const quietly = async (what: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (error) {
        this.detail(`${what}: ${(error as Error).message}`);
      }
    };
    if (this.room) await quietly('simulated seats', () => this.room?.stop() ?? Promise.resolve());
    if (this.browser) {
      await quietly("the candidate's browser", () => this.browser?.stop() ?? Promise.resolve());
      this.detail("candidate's browser stopped");
    }
    // Then the rest, newest first: the password-manager stand-in, the agent, the console.
    for (const child of [...this.children].reverse()) {
      if (child === this.browser?.process) continue;
      await quietly(child.name, () => child.stop());
      this.detail(`${child.name} stopped`);
    }
    if (this.site) await quietly('assessment page', () => this.site?.close() ?? Promise.resolve());
    if (this.xorg) {
      await quietly('virtual display', () => this.xorg?.stop() ?? Promise.resolve());
      this.detail(`virtual display ${this.xorg.display} stopped`);
    }
    if (this.dir) {
      const left = await endProcessesMentioning(this.dir);
      for (const p of left) this.detail(`ended a leftover process ${p.pid}: ${p.command.slice(0, 120)}`);
      if (this.o.keep) this.step(`Stopped. Nothing left running; kept ${this.dir}`);
      else {
        rmSync(this.dir, { recursive: true, force: true });
        this.step(`Stopped. Nothing left running; removed ${this.dir}`);
      }
    }
  }
}

/** Runs the demo until it is stopped; resolves with the exit code. */
export async function runDemo(options: DemoOptions): Promise<number> {
  const demo = new Demo(options);
  const onSignal = (signal: NodeJS.Signals) => void demo.stop(signal === 'SIGINT' ? 'Ctrl-C' : signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await demo.start();
    return await demo.done;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
