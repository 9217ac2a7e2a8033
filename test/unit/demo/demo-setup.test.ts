/**
 * What `invigil demo` sets up before anything runs: the seat config and what it relaxes (only what
 * this PC's checks found), the demo sitting (valid for the console, qualifications from the awarding
 * body's list), the simulated seats' labels, and the browser's flags (the demo certificate trusted by
 * its key only).
 */
import { describe, expect, test } from 'vitest';
import { chromiumArgs } from '../../../demo/browser.ts';
import { DEMO_CANDIDATES, demoSitting, SIMULATED_SEATS, THIS_PC } from '../../../demo/demo-data.ts';
import { demoRelaxations, demoSeatConfig } from '../../../demo/seat-config.ts';
import { SHORT_RETAKE_QUALIFICATIONS } from '../../../shared/catalogs/qualifications.ts';
import { readiness } from '../../../shared/rules/readiness.ts';
import { SittingInputSchema } from '../../../shared/schemas/console-api.ts';

const paths = {
  socketPath: '/tmp/d/run/agent.sock',
  dataDir: '/tmp/d/agent/data',
  userDataDir: '/tmp/d/profile',
};

describe('what the demo relaxes', () => {
  test('on a physical PC with complete browser policy and one display, only the unpacked extension', () => {
    const r = demoRelaxations({
      virtualMachine: null,
      browserPolicyProblem: null,
      displays: { names: ['HDMI-1'] },
    });
    expect(r.map((x) => x.what)).toEqual(['extension-not-managed', 'browser.allowFlags']);
    const config = demoSeatConfig(paths, r);
    expect(config.severity).toEqual({ 'extension-not-managed': 'info' });
    expect(config.displays.allowed).toBe(1);
    expect(config.link.accept).toBe('installed-host');
  });

  test("the demo's own browser flags pass the launch audit on this seat only, and say why", () => {
    const r = demoRelaxations({ virtualMachine: null, browserPolicyProblem: null, displays: null });
    const flags = r.find((x) => x.what === 'browser.allowFlags');
    expect(String(flags?.to).split(' ')).toEqual(
      expect.arrayContaining([
        '--load-extension',
        '--disable-extensions-except',
        '--remote-debugging-pipe',
        '--headless',
      ]),
    );
    expect(flags?.why).toMatch(/refuses each of them on a real seat/);
    const config = demoSeatConfig(paths, r);
    expect(config.browser.allowFlags).toContain('--load-extension');
    // The dashboard may be open in another Chromium on the same PC: its own profile is not the candidate's.
    expect(config.browser.allowFlags).toContain('--user-data-dir');
    expect(flags?.why).toMatch(/dashboard may be open in another Chromium on this same PC/);
  });

  test("programs already on the PC's own desktop are allowed for the demo, and the demo says why", () => {
    const none = demoRelaxations({
      virtualMachine: null,
      browserPolicyProblem: null,
      displays: null,
      desktopPrograms: [],
    });
    expect(none.map((x) => x.what)).not.toContain('desktop.allow');
    const r = demoRelaxations({
      virtualMachine: null,
      browserPolicyProblem: null,
      displays: null,
      desktopPrograms: ['xterm', 'code'],
    });
    const allow = r.find((x) => x.what === 'desktop.allow');
    expect(allow?.why).toMatch(/already had windows on your desktop when the demo started/);
    expect(demoSeatConfig(paths, r).desktop.allow).toEqual(['xterm', 'code']);
    expect(demoSeatConfig(paths, none).desktop.allow).toEqual([]);
  });

  test('an agent that is not root cannot see who connects: the demo says so and accepts any connector', () => {
    const r = demoRelaxations({
      virtualMachine: null,
      browserPolicyProblem: null,
      displays: null,
      agentUser: 'dana',
    });
    expect(r.find((x) => x.what === 'link.accept')?.why).toMatch(/runs as dana, not root/);
    const config = demoSeatConfig(paths, r);
    expect(config.link.accept).toBe('any');
    expect(config.severity['connector-unchecked']).toBe('info');
  });

  test('on a virtual machine without browser policy, those two as well, each with its reason', () => {
    const r = demoRelaxations({
      virtualMachine: 'KVM',
      browserPolicyProblem: 'No enterprise policy for Chromium is installed.',
      displays: null,
    });
    expect(Object.fromEntries(r.map((x) => [x.what, x.to]))).toEqual({
      'extension-not-managed': 'info',
      'browser.allowFlags': expect.any(String),
      'browser-policy': 'info',
      'virtual-machine': 'info',
    });
    expect(r.find((x) => x.what === 'virtual-machine')?.why).toContain('KVM');
    expect(r.find((x) => x.what === 'browser-policy')?.why).toContain('No enterprise policy for Chromium');
    // Blocking findings that have nothing to do with the demo stay as they are.
    const config = demoSeatConfig(paths, r);
    for (const code of ['password-manager', 'display-count', 'remote-access', 'extension-silent'])
      expect(config.severity[code]).toBeUndefined();
  });

  test('a PC with two displays allows two, so that one more still shows', () => {
    const r = demoRelaxations({
      virtualMachine: null,
      browserPolicyProblem: null,
      displays: { names: ['eDP-1', 'HDMI-1'] },
    });
    const allowed = r.find((x) => x.what === 'displays.allowed');
    expect(allowed?.to).toBe(2);
    expect(allowed?.why).toContain('eDP-1, HDMI-1');
    expect(demoSeatConfig(paths, r).displays.allowed).toBe(2);
  });

  test('the seat config is a valid agent config naming this PC, its socket, data and browser profile', () => {
    const config = demoSeatConfig(
      paths,
      demoRelaxations({ virtualMachine: null, browserPolicyProblem: null, displays: null }),
    );
    expect(config.seat).toEqual({ pcName: THIS_PC.pcName, place: THIS_PC.place });
    expect(config.socketPath).toBe(paths.socketPath);
    expect(config.dataDir).toBe(paths.dataDir);
    expect(config.browser).toMatchObject({
      name: 'chromium',
      userDataDir: paths.userDataDir,
      requireExtension: true,
    });
  });
});

describe('the demo centre', () => {
  test('the sitting is one the console accepts, each candidate on their PC', () => {
    const ids = new Map(
      [THIS_PC.pcName, ...SIMULATED_SEATS.map((s) => s.pcName)].map((pc, i) => [pc, `seat-0000000${i}`]),
    );
    const sitting = SittingInputSchema.parse(demoSitting(ids, ['invigilator-1']));
    expect(sitting.entries).toHaveLength(DEMO_CANDIDATES.length);
    expect(sitting.entries.every((e) => e.seatId !== null)).toBe(true);
    expect(sitting.entries[0]?.candidateName).toBe('Amira Hussain');
  });

  test('candidates have IMI-style registration numbers and qualifications from the awarding body list', () => {
    for (const c of DEMO_CANDIDATES) {
      expect(c.registrationNumber).toMatch(/^IMI-\d{6}$/);
      expect(Object.keys(SHORT_RETAKE_QUALIFICATIONS)).toContain(c.qualificationNumber);
    }
    expect(new Set(DEMO_CANDIDATES.map((c) => c.registrationNumber)).size).toBe(DEMO_CANDIDATES.length);
    // One candidate waits for the identity check, so "Check ID" has someone to check.
    expect(DEMO_CANDIDATES.filter((c) => !c.identityConfirmed).length).toBeGreaterThan(0);
  });

  test('every simulated seat says so, and the room shows more than one state', () => {
    for (const s of SIMULATED_SEATS) {
      expect(s.pcName).toMatch(/^SIM-/);
      expect(s.place).toContain('simulated');
    }
    const states = new Set(SIMULATED_SEATS.map((s) => readiness(s.findings()).state));
    expect(states).toEqual(new Set(['ready', 'attention']));
  });
});

describe("the candidate's browser", () => {
  const base = {
    profile: '/tmp/d/profile',
    extensionDir: '/repo/dist/extension',
    hostMap: { 'www.theimi.org.uk': '127.0.0.1:4431' },
    startUrl: 'https://www.theimi.org.uk/awarding',
  };

  test('trusts the demo certificate by its key only, maps the assessment host, and loads the extension', () => {
    const args = chromiumArgs({ ...base, headless: true, spkiHash: 'abc=' });
    expect(args).toContain('--ignore-certificate-errors-spki-list=abc=');
    expect(args).not.toContain('--ignore-certificate-errors');
    expect(args).toContain('--host-resolver-rules=MAP www.theimi.org.uk 127.0.0.1:4431');
    expect(args).toContain('--load-extension=/repo/dist/extension');
    expect(args).toContain('--user-data-dir=/tmp/d/profile');
    expect(args).toContain('--headless');
    expect(args.at(-1)).toBe(base.startUrl);
  });

  test('in a window when asked (no --headless)', () => {
    expect(chromiumArgs({ ...base, headless: false })).not.toContain('--headless');
  });
});

describe('the demo with Firefox', () => {
  test('the seat names Firefox as its browser, and allows only the flags the demo starts Firefox with', () => {
    const r = demoRelaxations(
      { virtualMachine: null, browserPolicyProblem: null, displays: null },
      'firefox',
    );
    const flags = String(r.find((x) => x.what === 'browser.allowFlags')?.to).split(' ');
    expect(flags).toEqual(expect.arrayContaining(['--profile', '--remote-debugging-port', '--headless']));
    expect(flags).not.toContain('--load-extension');
    expect(flags).not.toContain('--user-data-dir');
    expect(r.find((x) => x.what === 'extension-not-managed')?.why).toContain('dist/extension-firefox');
    // The invigilator's dashboard may be open in a Chromium on the same PC: "another browser" to a Firefox seat.
    expect(r.find((x) => x.what === 'other-browser')?.to).toBe('info');
    const config = demoSeatConfig(paths, r, 'firefox');
    expect(config.browser.name).toBe('firefox');
    expect(config.severity['other-browser']).toBe('info');
    // The Chromium demo keeps other browsers at their real severity.
    expect(
      demoRelaxations({ virtualMachine: null, browserPolicyProblem: null, displays: null }).map(
        (x) => x.what,
      ),
    ).not.toContain('other-browser');
  });
});
