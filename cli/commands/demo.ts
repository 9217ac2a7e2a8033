import { realpathSync } from 'node:fs';
import { DemoError, runDemo } from '../../demo/run-demo.ts';
import { DEMO_BROWSERS, type DemoBrowser } from '../../demo/seat-config.ts';
import { type Command, intFlag, stringFlag, UserError } from '../command.ts';

const VERSION = (process.env.INVIGIL_VERSION as string | undefined) ?? '0.1.0';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the whole system on this PC for a look: console, agent, browser, simulated seats',
  help: `Usage: invigil demo [--browser chromium|firefox] [--headless] [--port N] [--keep]

Runs all of Invigil on this one PC, from a throwaway folder, the way a centre would run it:
  - \`invigil console\` on 127.0.0.1 with a demo centre, a sitting and its candidates;
  - \`invigil agent\` for this PC (shown as THIS-PC), enrolled with \`invigil enrol\`;
  - Chromium (or Firefox ESR, with --browser firefox) with the Invigil extension and its native host,
    in a throwaway profile: a window when there is a display, headless otherwise; it shows a stand-in
    assessment page served on this PC;
  - a few simulated seats beside this one, labelled "simulated", so the seat map looks like a room.
Without a display it starts a virtual one (Xorg with the dummy driver) for the display checks.

It prints what it relaxes for a demo (and why), a dashboard link that signs you in once, and
things to try, which keys in this terminal do too (one per line when stdin is not a terminal):
  f  the candidate opens a forbidden site        p  start / stop a program named like a password manager
  d  plug / unplug a second (virtual) display    s  save a picture of the candidate's screen
  l  a new dashboard sign-in link                q  stop

Ctrl-C (or SIGTERM, or q) stops every process it started and removes the throwaway folder.

Flags:
  --browser NAME  The candidate's browser: chromium (default) or firefox (Firefox ESR: the unsigned
                  build, installed as a temporary add-on over WebDriver BiDi)
  --headless      The browser headless even when there is a display
  --port N        The console's port (default 7420; 0 picks a free one)
  --keep          Keep the throwaway folder (logs, database, profile) when stopping

Needs Chromium, or firefox-esr for --browser firefox (and, without a display, xserver-xorg-core, xserver-xorg-video-dummy and
x11-xserver-utils). \`npm start\` installs what is missing, builds, and runs this.

Exit codes: 0 stopped by you, 1 a part stopped unexpectedly, 2 could not start (the reason is printed).
`,
  options: {
    browser: { type: 'string' },
    headless: { type: 'boolean' },
    port: { type: 'string' },
    keep: { type: 'boolean' },
  },
  async run(args) {
    const browser = demoBrowserFlag(stringFlag(args, 'browser'));
    const port = intFlag(args, 'port', 0, 65535) ?? 7420;
    const cliPath = realpathSync(process.argv[1] ?? '');
    try {
      return await runDemo({
        browser,
        headless: args.values.headless === true,
        port,
        keep: args.values.keep === true,
        cliPath,
        version: VERSION,
      });
    } catch (error) {
      if (error instanceof DemoError) throw new UserError(error.message, 2);
      throw error;
    }
  },
};

/** `--browser`: chromium when absent; anything else than the demo's browsers is refused in one line. */
export function demoBrowserFlag(value: string | undefined): DemoBrowser {
  if (value === undefined) return 'chromium';
  if (!(DEMO_BROWSERS as readonly string[]).includes(value))
    throw new UserError(`--browser must be ${DEMO_BROWSERS.join(' or ')} (got "${value}")`);
  return value as DemoBrowser;
}
