/**
 * Browser launch audit: how each process of the managed browser was started. A candidate can start the
 * managed browser's own program with flags that turn the lockdown off while the machine policy stays
 * in place (tried: a second Chromium with `--disable-extensions` ran without the extension and opened
 * chrome://settings). The agent (root) reads every browser process's command line and environment, so
 * each such flag is a blocking finding naming the flag, and the native host of such a browser is never
 * accepted as the extension's voice.
 *
 * The list is Chromium's switches (chrome/common/chrome_switches.cc, content/public/common/
 * content_switches.cc, extensions/common/switches.cc, services/network/public/cpp/network_switches.cc)
 * that turn off or bypass extensions and policy, open another profile, hand the browser to another
 * program, or send its traffic elsewhere. Pure functions: the agent feeds them /proc (Linux) or the
 * OS's process list.
 */
import { FIREFOX_153_POLICY_NAMES, FIREFOX_MAC_ENABLE_KEY } from '../../shared/catalogs/firefox-policy.ts';

export interface FlagRule {
  /** The switch, with its two dashes, as Chromium parses it (`--name` or `--name=value`). */
  flag: string;
  /** What it does to the lockdown, for the finding. */
  why: string;
}

export const UNDERMINING_FLAGS: readonly FlagRule[] = [
  { flag: '--remote-debugging-port', why: 'lets any local program drive the browser through DevTools' },
  { flag: '--remote-debugging-pipe', why: 'hands the browser to the program that started it (DevTools)' },
  { flag: '--remote-debugging-address', why: 'opens DevTools to the network' },
  { flag: '--remote-allow-origins', why: 'lets web pages drive the browser through DevTools' },
  { flag: '--enable-unsafe-extension-debugging', why: 'lets DevTools load and change extensions' },
  { flag: '--silent-debugger-extension-api', why: 'lets an extension debug pages without a warning' },
  { flag: '--auto-open-devtools-for-tabs', why: 'opens DevTools on every tab' },
  { flag: '--load-extension', why: 'loads an extension that IT did not install' },
  { flag: '--disable-extensions', why: 'turns the Invigil extension off' },
  { flag: '--disable-extensions-except', why: 'turns off every extension but the ones it names' },
  { flag: '--extensions-on-chrome-urls', why: "lets extensions run on the browser's own pages" },
  { flag: '--incognito', why: 'opens a window in which extensions may not run' },
  { flag: '--guest', why: 'opens a guest profile, where the extension does not run' },
  { flag: '--bwsi', why: 'opens a guest session, where the extension does not run' },
  { flag: '--profile-directory', why: "opens a profile other than the seat's" },
  { flag: '--headless', why: 'runs a browser nobody sees, beside the one the invigilator watches' },
  { flag: '--disable-web-security', why: 'turns off the same-origin policy' },
  { flag: '--allow-file-access-from-files', why: 'lets local files read other local files' },
  { flag: '--proxy-server', why: "sends the browser's traffic through another server" },
  { flag: '--proxy-pac-url', why: "sends the browser's traffic through another server" },
  { flag: '--host-resolver-rules', why: 'sends site names to other addresses' },
  { flag: '--host-rules', why: 'sends site names to other addresses' },
  { flag: '--ignore-certificate-errors', why: 'accepts any site certificate' },
  { flag: '--ignore-certificate-errors-spki-list', why: 'accepts the site certificates it names' },
  { flag: '--unsafely-treat-insecure-origin-as-secure', why: 'treats plain-HTTP sites as secure' },
  { flag: '--renderer-cmd-prefix', why: 'runs another program around every page' },
  { flag: '--utility-cmd-prefix', why: 'runs another program around the browser’s helpers' },
  { flag: '--gpu-launcher', why: 'runs another program around the GPU process' },
  { flag: '--browser-subprocess-path', why: 'runs another program as the browser’s helpers' },
  { flag: '--js-flags', why: "changes how the browser's JavaScript engine behaves" },
  // Firefox's own (`firefox --help`; it reads -name and --name alike). Firefox shares
  // --remote-debugging-port and --headless with Chromium, above.
  { flag: '--marionette', why: 'hands the browser to a program that drives it (Marionette)' },
  { flag: '--start-debugger-server', why: 'lets a local program debug the browser' },
  { flag: '--jsdebugger', why: "opens the browser's own debugger" },
  { flag: '--devtools', why: 'opens the developer tools' },
  { flag: '--safe-mode', why: 'starts the browser with every extension off' },
  { flag: '--private-window', why: 'opens a private window' },
  { flag: '--private', why: 'opens a private window' },
  { flag: '--profile', why: "opens a profile other than the seat's" },
  { flag: '--p', why: 'opens another profile or the profile manager' },
  { flag: '--profilemanager', why: 'opens the profile manager' },
];

/**
 * Environment variables that load code into the browser (the dynamic loader's, GTK's and Qt's module
 * paths). Chromium's own settings come from its command line, which is audited above.
 */
export const UNDERMINING_ENVIRONMENT: readonly FlagRule[] = [
  { flag: 'LD_PRELOAD', why: 'loads a library of its own into the browser' },
  { flag: 'LD_LIBRARY_PATH', why: 'makes the browser load libraries from another folder' },
  { flag: 'LD_AUDIT', why: 'loads a library of its own into the browser' },
  { flag: 'GTK_MODULES', why: 'loads modules of its own into the browser' },
  { flag: 'GTK3_MODULES', why: 'loads modules of its own into the browser' },
  { flag: 'GTK_PATH', why: 'makes the browser load modules from another folder' },
  { flag: 'GIO_EXTRA_MODULES', why: 'loads modules of its own into the browser' },
  { flag: 'QT_PLUGIN_PATH', why: 'loads plug-ins of its own into the browser' },
  { flag: 'DYLD_INSERT_LIBRARIES', why: 'loads a library of its own into the browser' },
];

const BY_FLAG = new Map(UNDERMINING_FLAGS.map((r) => [r.flag, r]));

export interface LaunchExpectations {
  /** The seat's profile folder, when the config names one (`browser.userDataDir`). */
  userDataDir?: string | undefined;
  /** Flags the seat's config lets pass (`browser.allowFlags`: the demo and test rigs). */
  allowFlags: readonly string[];
  /** Firefox on macOS: `-Name value` arguments are settings of Firefox's policy domain (see below). */
  firefoxMacPolicy?: boolean | undefined;
}

/** Whether this seat's browser reads policy from its command line: Firefox on macOS. */
export const readsPolicyArguments = (browser: string, platform: NodeJS.Platform = process.platform) =>
  browser === 'firefox' && platform === 'darwin';

const ARGUMENT_DOMAIN =
  'on macOS Firefox takes "-Name value" arguments as settings, over /Library/Preferences and the account\'s own';
const ARGUMENT_FIX = 'close that Firefox and start it as IT set it up, with no such argument';

/**
 * Firefox on macOS reads its policy through NSUserDefaults (nsMacPreferencesReader: boolForKey and
 * dictionaryRepresentation of standardUserDefaults; Firefox 153 asks for no admin-only reading), whose
 * search list starts with the argument domain: the process's `-key value` arguments, "after forced
 * defaults, but before all other entries" (Apple's NSUserDefaults.h). So `firefox -EnterprisePoliciesEnabled
 * YES -BlockAboutConfig NO` sets policy, a flattened `-ExtensionSettings__<id>__installation_mode allowed`
 * reaches even into a configuration profile's ExtensionSettings, and `-EnterprisePoliciesEnabled NO`
 * switches /Library/Preferences' policy off. The key is what follows the one dash, case as written. Every
 * such argument is named, whatever follows it (ps joins the arguments with spaces, so a value is not
 * told apart reliably; fail closed).
 */
export function firefoxPolicyArguments(argv: readonly string[]): LaunchProblem[] {
  const out: LaunchProblem[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!/^-[^-]/.test(arg)) continue;
    const key = arg.slice(1);
    const policy = key.split('__')[0] ?? '';
    const enable = key === FIREFOX_MAC_ENABLE_KEY;
    if ((!enable && !FIREFOX_153_POLICY_NAMES.has(policy)) || seen.has(arg)) continue;
    seen.add(arg);
    const next = argv[i + 1];
    out.push({
      flag: arg,
      seen: short(next === undefined ? arg : `${arg} ${next}`),
      why: `${enable ? "turns Firefox's policy on or off" : `sets Firefox's ${policy} policy`} from the command line (${ARGUMENT_DOMAIN}): ${ARGUMENT_FIX}`,
    });
  }
  return out;
}

export interface LaunchProblem {
  /** The flag (`--load-extension`) or variable (`LD_PRELOAD`). */
  flag: string;
  /** What was on the command line (`--user-data-dir=/tmp/x`), shortened. */
  seen: string;
  why: string;
}

/**
 * Chromium reads `--name=value` and `--name value`? Only the first: a switch's value always follows
 * `=`. Switches may also start with a single dash on Linux and macOS (`-incognito`); both count.
 * Everything after `--` is not a switch.
 */
export function switchesOf(argv: readonly string[]): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const arg of argv.slice(1)) {
    if (arg === '--') break;
    const m = /^--?([a-zA-Z0-9][a-zA-Z0-9-_.]*)(=|$)/.exec(arg);
    if (m?.[1]) out.push({ name: `--${m[1].toLowerCase()}`, text: arg });
  }
  return out;
}

/** Whether a command line is a browser's main process, not one of its helpers (`--type=renderer`). */
export function isBrowserMainProcess(argv: readonly string[]): boolean {
  // Chromium's helpers carry --type=...; Firefox's content and utility processes -contentproc, and
  // those its fork server starts show their whole command line as one argument.
  if (argv.some((a) => /(^|\s)-contentproc(\s|$)/.test(a))) return false;
  return !switchesOf(argv).some((s) => s.name === '--type');
}

const short = (s: string) => (s.length > 120 ? `${s.slice(0, 120)}…` : s);

function sameFolder(a: string, b: string): boolean {
  const norm = (p: string) => p.replace(/[\\/]+$/, '');
  return norm(a) === norm(b);
}

/** The undermining flags and environment of one browser main process. */
export function auditLaunch(
  argv: readonly string[],
  environment: ReadonlyMap<string, string> | null,
  expect: LaunchExpectations,
): LaunchProblem[] {
  const allowed = new Set(expect.allowFlags);
  const problems: LaunchProblem[] = [];
  const seenFlags = new Set<string>();
  for (const s of switchesOf(argv)) {
    if (allowed.has(s.name) || seenFlags.has(s.name)) continue;
    if (s.name === '--user-data-dir') {
      const value = s.text.slice(s.text.indexOf('=') + 1);
      if (expect.userDataDir && s.text.includes('=') && sameFolder(value, expect.userDataDir)) continue;
      seenFlags.add(s.name);
      problems.push({
        flag: s.name,
        seen: short(s.text),
        why: expect.userDataDir
          ? `opens a profile other than the seat's (${expect.userDataDir})`
          : "opens a profile other than the seat's",
      });
      continue;
    }
    const rule = BY_FLAG.get(s.name);
    if (!rule) continue;
    seenFlags.add(s.name);
    problems.push({ flag: rule.flag, seen: short(s.text), why: rule.why });
  }
  if (expect.firefoxMacPolicy) problems.push(...firefoxPolicyArguments(argv));
  if (environment) {
    for (const rule of UNDERMINING_ENVIRONMENT) {
      const value = environment.get(rule.flag);
      if (value === undefined || value === '' || allowed.has(rule.flag)) continue;
      problems.push({ flag: rule.flag, seen: short(`${rule.flag}=${value}`), why: rule.why });
    }
  }
  return problems;
}
