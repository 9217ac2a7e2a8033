/**
 * The commands IT runs, as IT runs them: `invigil install-host`, `invigil check` (its checklist,
 * JSON and exit codes) and `invigil agent`/`invigil check` refusing bad config files with one clear
 * line naming the field.
 */
import { accessSync, chmodSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { chromiumPolicy, WEB_STORE_UPDATE_URL } from '../../../shared/catalogs/browser-policy.ts';
import { EXTENSION_ID } from '../../../shared/constants.ts';
import { POLICY_DEFAULTS } from '../../../shared/schemas/policy.ts';
import { agentWorkspace, assertBuilt, runInvigil, startAgentProcess } from '../../helpers/agent-cli.ts';
import { hello, startHost } from '../../helpers/agent-frames.ts';
import { startNamedProcess } from '../../helpers/agent-processes.ts';
import { installMachinePolicy } from '../../helpers/machine-policy.ts';
import { startXDisplay, type XDisplay } from '../../helpers/x-displays.ts';

let x: XDisplay;
beforeAll(async () => {
  assertBuilt();
  x = await startXDisplay(92);
});
afterAll(async () => {
  await x?.stop();
});
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const oneLine = (s: string) => {
  const lines = s.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(s).not.toMatch(/^\s+at /m);
  return lines[0] as string;
};

describe('invigil install-host', () => {
  test('registers the host in a browser profile; the browser-style start reaches the agent', async () => {
    const ws = agentWorkspace();
    cleanups.push(ws.remove);
    const udd = join(ws.dir, 'profile');
    const r = runInvigil([
      'install-host',
      '--browser',
      'chromium',
      '--user-data-dir',
      udd,
      '--socket',
      ws.socket,
    ]);
    expect(r.status).toBe(0);
    const manifestFile = join(udd, 'NativeMessagingHosts', 'uk.invigil.agent.json');
    expect(r.stdout).toContain(manifestFile);
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    expect(manifest).toMatchObject({
      name: 'uk.invigil.agent',
      type: 'stdio',
      allowed_origins: [`chrome-extension://${EXTENSION_ID}/`],
    });
    expect(manifest.path).toMatch(/^\//);
    accessSync(manifest.path, constants.X_OK);

    // The test starts the host as Chromium would (not from Chromium): any connector is accepted here.
    const agent = await startAgentProcess(ws, { browser: { userDataDir: udd }, link: { accept: 'any' } });
    cleanups.push(() => agent.stop());
    // As Chromium starts it: the manifest's program, the origin as first argument, a bare environment.
    const host = startHost({ program: manifest.path });
    cleanups.push(() => host.close());
    host.send(hello);
    await host.next((m) => m.type === 'link/status' && m.agent === 'connected');

    // `invigil check` sees that the browser can now reach the agent.
    writeFileSync(ws.configFile, JSON.stringify({ socketPath: ws.socket, browser: { userDataDir: udd } }));
    const out = JSON.parse(
      runInvigil(['check', '--json', '--config', ws.configFile], { DISPLAY: x.display }).stdout,
    );
    expect(out.findings.filter((f: { code: string }) => f.code === 'native-host-missing')).toEqual([]);
    expect(out.agent.running).toBe(true);
    expect(out.findings).toContainEqual(expect.objectContaining({ code: 'extension-silent' }));
  });

  test("a centre's own extension id: only that extension may start the host it registers", async () => {
    const ws = agentWorkspace();
    cleanups.push(ws.remove);
    const udd = join(ws.dir, 'profile');
    const centreId = 'abcdefghijklmnopabcdefghijklmnop';
    const r = runInvigil([
      'install-host',
      '--browser',
      'chromium',
      '--user-data-dir',
      udd,
      '--socket',
      ws.socket,
      '--extension-id',
      centreId,
    ]);
    expect(r.status).toBe(0);
    const manifest = JSON.parse(
      readFileSync(join(udd, 'NativeMessagingHosts', 'uk.invigil.agent.json'), 'utf8'),
    );
    expect(manifest.allowed_origins).toEqual([`chrome-extension://${centreId}/`]);

    // The published extension is refused by this host; the centre's is served.
    const refused = startHost({ program: manifest.path });
    expect(await refused.exited).toBe(2);
    expect(oneLine(refused.stderr())).toContain(
      `only the Invigil extension (chrome-extension://${centreId}/)`,
    );
    const agent = await startAgentProcess(ws, {
      browser: { userDataDir: udd },
      policy: { extensionId: centreId },
      link: { accept: 'any' },
    });
    cleanups.push(() => agent.stop());
    const host = startHost({ program: manifest.path, origin: `chrome-extension://${centreId}/` });
    cleanups.push(() => host.close());
    host.send(hello);
    await host.next((m) => m.type === 'link/status' && m.agent === 'connected');

    // The agent's own check accepts the manifest for the centre's id.
    writeFileSync(
      ws.configFile,
      JSON.stringify({
        socketPath: ws.socket,
        browser: { userDataDir: udd },
        policy: { extensionId: centreId },
      }),
    );
    const out = JSON.parse(
      runInvigil(['check', '--json', '--config', ws.configFile], { DISPLAY: x.display }).stdout,
    );
    expect(out.findings.filter((f: { code: string }) => f.code === 'native-host-missing')).toEqual([]);
  });

  test('--user installs for the current user ($HOME) even as root: Firefox reads ~/.mozilla/native-messaging-hosts', () => {
    const ws = agentWorkspace();
    cleanups.push(ws.remove);
    const home = join(ws.dir, 'home');
    const r = runInvigil(['install-host', '--browser', 'firefox', '--user', '--socket', ws.socket], {
      HOME: home,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('(this user)');
    const manifest = JSON.parse(
      readFileSync(join(home, '.mozilla', 'native-messaging-hosts', 'uk.invigil.agent.json'), 'utf8'),
    );
    expect(manifest.allowed_extensions).toEqual(['exam-lockdown@invigil.uk']);
    expect(manifest.path.startsWith(home)).toBe(true);
  });

  test('bad flags get one clear line and exit code 2', () => {
    expect(oneLine(runInvigil(['install-host']).stderr)).toBe(
      'invigil install-host: --browser is required: chrome, chromium, edge or firefox',
    );
    const other = runInvigil(['install-host', '--browser', 'safari']);
    expect(other.status).toBe(2);
    expect(oneLine(other.stderr)).toBe(
      'invigil install-host: --browser must be chrome, chromium, edge or firefox (got "safari")',
    );
    const both = runInvigil(['install-host', '--browser', 'chromium', '--user', '--user-data-dir', '/tmp/p']);
    expect(both.status).toBe(2);
    expect(oneLine(both.stderr)).toBe(
      'invigil install-host: --user and --user-data-dir cannot be used together: choose one place',
    );
    const bad = runInvigil(['install-host', '--browser', 'chrome', '--socket', 'relative.sock']);
    expect(oneLine(bad.stderr)).toMatch(/--socket must be an absolute path/);
    expect(runInvigil(['install-host', '--browsr', 'chrome']).status).toBe(2);
    expect(
      oneLine(runInvigil(['install-host', '--browser', 'chrome', '--extension-id', 'xyz']).stderr),
    ).toMatch(/--extension-id must be 32 letters a to p/);
  });
});

describe('invigil check', () => {
  test('lists every check in words, with a reason and what to do, and exits 1 when something blocks', () => {
    const r = runInvigil(['check'], { DISPLAY: x.display });
    expect(r.status).toBe(1);
    for (const title of [
      'No password manager is running',
      'No remote-access or screen-sharing program is running',
      'No screen-recording program is running',
      'No other browser is running',
      'Only the allowed number of displays is connected',
      'This PC is a physical machine',
      "The browser's enterprise policy is in place",
      'The Invigil extension is reporting',
    ]) {
      expect(r.stdout).toMatch(
        new RegExp(`^(PASS |FAIL |ERROR)  ${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'),
      );
    }
    expect(r.stdout).toContain('What to do:');
    expect(r.stdout).toMatch(/^Result: Not ready$/m);
  });

  test('--json gives one object whose findings name what they found', () => {
    const r = runInvigil(['check', '--json'], { DISPLAY: x.display });
    const out = JSON.parse(r.stdout);
    expect(out.ready).toBe(false);
    for (const f of out.findings) {
      expect(f).toEqual(
        expect.objectContaining({
          code: expect.any(String),
          severity: expect.stringMatching(/^(block|warn|info)$/),
          message: expect.any(String),
        }),
      );
      expect(typeof f.subject).toBe('string');
    }
    // No agent is running: the extension's report cannot be read, which is said, not blocked on.
    expect(out.findings).toContainEqual(
      expect.objectContaining({ code: 'extension-not-checked', severity: 'info' }),
    );
    expect(out.agent.running).toBe(false);
  });

  test('exits 0 on a PC that is ready: policy installed, host registered, one display, nothing forbidden running', async () => {
    const ws = agentWorkspace();
    cleanups.push(ws.remove);
    const udd = join(ws.dir, 'profile');
    const yamlFile = join(ws.dir, 'seat.yaml');
    expect(runInvigil(['install-host', '--browser', 'chromium', '--user-data-dir', udd]).status).toBe(0);
    writeFileSync(yamlFile, `socketPath: ${ws.socket}\nbrowser:\n  userDataDir: ${udd}\n`);
    const policy = await installMachinePolicy(
      'agent-check',
      chromiumPolicy({ extensionPolicy: POLICY_DEFAULTS, updateUrl: WEB_STORE_UPDATE_URL }),
    );
    try {
      const r = runInvigil(['check', '--json', '--config', yamlFile], { DISPLAY: x.display });
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout);
      expect(out.findings.filter((f: { severity: string }) => f.severity === 'block')).toEqual([]);
      expect(out.ready).toBe(true);
      expect(r.status).toBe(0);
      // A virtual machine is a warning by default, and a block where the config says so.
      if (out.findings.some((f: { code: string }) => f.code === 'virtual-machine')) {
        writeFileSync(
          yamlFile,
          `socketPath: ${ws.socket}\nbrowser:\n  userDataDir: ${udd}\nseverity:\n  virtual-machine: block\n`,
        );
        expect(runInvigil(['check', '--config', yamlFile], { DISPLAY: x.display }).status).toBe(1);
      }
    } finally {
      policy.remove();
    }
  }, 300_000); // waits for other suites' machine policy to be removed (a machine-wide lock)

  /** A config under which nothing on this machine blocks but the display check (which cannot run without X). */
  function relaxedConfig(): string {
    const ws = agentWorkspace();
    cleanups.push(ws.remove);
    const file = join(ws.dir, 'seat.json');
    const severity = { 'browser-policy': 'info', 'native-host-missing': 'info', 'virtual-machine': 'info' };
    // No display server for the candidate's desktop either, whatever X servers other tests left running
    // (with exactly one running, the desktop check would take it): a display number nothing serves.
    const desktop = { display: ':87' };
    writeFileSync(file, JSON.stringify({ socketPath: ws.socket, severity, desktop }));
    return file;
  }

  test('exits 2 with one line when nothing blocks for certain but a check cannot run (no display server, no DRM)', () => {
    const r = runInvigil(['check', '--json', '--config', relaxedConfig()], { DISPLAY: '' });
    expect(r.status).toBe(2);
    // Without a display server neither the desktop's programs nor its displays can be seen: one line
    // names both.
    const line = oneLine(r.stderr);
    expect(line).toMatch(/^invigil check: the /);
    expect(line).toContain('the desktop-programs check could not run: ');
    expect(line).toContain('the display-count check could not run: ');
    const findings = JSON.parse(r.stdout).findings;
    for (const subject of ['desktop-programs', 'display-count'])
      expect(findings).toContainEqual(
        expect.objectContaining({ code: 'check-error', subject, severity: 'block' }),
      );
  });

  test('exits 1, not 2, when a password manager runs on a PC whose display check cannot run', async () => {
    const p = await startNamedProcess('KeePassXC');
    cleanups.push(() => p.stop());
    const r = runInvigil(['check', '--json', '--config', relaxedConfig()], { DISPLAY: '' });
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.findings).toContainEqual(
      expect.objectContaining({ code: 'password-manager', subject: 'KeePassXC' }),
    );
    expect(out.findings).toContainEqual(
      expect.objectContaining({ code: 'check-error', subject: 'display-count' }),
    );
    // The checks that could not run are still said, in one line.
    expect(oneLine(r.stderr)).toMatch(/^invigil check: the .*the display-count check could not run: /);
  });
});

describe('the seat credential in the config file', () => {
  const credential = 'c'.repeat(40);
  function enrolledConfig(mode: number): string {
    const ws = agentWorkspace();
    cleanups.push(ws.remove);
    const file = join(ws.dir, 'seat.json');
    writeFileSync(
      file,
      JSON.stringify({
        socketPath: ws.socket,
        dataDir: ws.dataDir,
        console: { url: 'http://127.0.0.1:9', seatId: 'seat-1', credential },
      }),
    );
    chmodSync(file, mode);
    return file;
  }

  test('the agent refuses to start on a config whose credential other users can read: exit 2, one line', () => {
    const file = enrolledConfig(0o644);
    const r = runInvigil(['agent', '--config', file]);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toBe(
      `invigil agent: ${file} holds the seat's console credential and other users can read it (mode 644): run chmod 600 ${file}`,
    );
  });

  test('invigil check reports it as a finding that blocks', () => {
    const file = enrolledConfig(0o640);
    const r = runInvigil(['check', '--json', '--config', file], { DISPLAY: x.display });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).findings).toContainEqual(
      expect.objectContaining({ code: 'config-credential-exposed', severity: 'block' }),
    );
  });

  test('a config readable by root only is accepted', () => {
    const file = enrolledConfig(0o600);
    const r = runInvigil(['check', '--json', '--config', file], { DISPLAY: x.display });
    expect(JSON.parse(r.stdout).findings.map((f: { code: string }) => f.code)).not.toContain(
      'config-credential-exposed',
    );
  });
});

describe('bad config files', () => {
  const cases: [string, string, RegExp][] = [
    ['seat.yaml', 'intervals:\n  processesMs: 5\n', /intervals\.processesMs must be at least 100$/],
    [
      'seat.json',
      '{"intervals": {"processesMs": "fast"}}',
      /intervals\.processesMs must be a number \(got the text "fast"\)$/,
    ],
    [
      'seat.json',
      '{"displays": {"allowed": 1.5}}',
      /displays\.allowed must be a whole number \(got number 1.5\)$/,
    ],
    [
      'seat.yaml',
      'dispalys:\n  allowed: 2\n',
      /"dispalys" is not a setting Invigil knows \(check the spelling\)$/,
    ],
    [
      'seat.yaml',
      'browser:\n  name: safari\n',
      /browser\.name must be one of "chrome", "chromium", "edge", "firefox" \(got the text "safari"\)$/,
    ],
    [
      'seat.yaml',
      'severity:\n  virtual-machine: fatal\n',
      /severity\.virtual-machine must be one of "block", "warn", "info"/,
    ],
    ['seat.json', '{"seat": {"pcName": "PC-1",}', /seat\.json is not valid JSON \(line 1, column \d+\): /],
    ['seat.json', '{"seat": {"pcName": "PC-1"}, "x": }', /seat\.json is not valid JSON: /],
    ['seat.yaml', 'seat:\n\tpcName: x\n', /seat\.yaml is not valid YAML \(line 2, column 1\): /],
    ['seat.yaml', '- just\n- a list\n', /must contain settings \(an object\), not a list$/],
    [
      'seat.json',
      '{"console": {"url": "ftp://x", "seatId": "s1", "credential": "short"}}',
      /2 problems: console\.url must be an http:\/\/ or https:\/\/ address; console\.credential must be at least 32 characters$/,
    ],
  ];
  test.each(cases)('%s %j is refused with one line naming the field', (name, text, expected) => {
    const ws = agentWorkspace();
    cleanups.push(ws.remove);
    const file = join(ws.dir, name);
    writeFileSync(file, text);
    for (const cmd of [
      ['agent', '--config', file],
      ['check', '--json', '--config', file],
    ]) {
      const r = runInvigil(cmd);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(oneLine(r.stderr)).toMatch(expected);
    }
  });

  test('a missing config file is named', () => {
    const r = runInvigil(['agent', '--config', '/nonexistent/seat.yaml']);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toBe(
      'invigil agent: cannot read the config file /nonexistent/seat.yaml: no such file',
    );
    expect(oneLine(runInvigil(['agent']).stderr)).toBe(
      'invigil agent: --config FILE is required (the seat config, JSON or YAML)',
    );
  });
});
