import { InputError, loadConfigFile } from '../../deploy/config-file.ts';
import {
  BROWSER_NAMES,
  generatePolicy,
  POLICY_BROWSERS,
  POLICY_OSES,
  type PolicyBrowser,
} from '../../deploy/policy/generate.ts';
import { writeFilesAtomically } from '../../deploy/write-files.ts';
import type { PolicyOs } from '../../shared/catalogs/browser-policy.ts';
import { type Command, type ParsedArgs, stringFlag, UserError } from '../command.ts';

const help = `Usage: invigil policy --browser BROWSER --os OS [--config FILE] [--out DIR]

Writes the enterprise policy that locks a browser down for an exam seat, in the platform's own form:
  windows   a .reg file, a CSV of every policy by name (Group Policy, Intune) and a README
  macos     a .mobileconfig configuration profile
  linux     a JSON file for the browser's managed policy folder
  firefox   policies.json (the same file on every OS), with the same policy as a .reg file on
            Windows and as a .mobileconfig profile (org.mozilla.firefox) on macOS

It force-installs the Invigil extension and blocks every other one; allows only the assessment
hosts and blocks the browser's own pages (settings, passwords, history, extensions, flags,
view-source:, file://), even in a browser started without extensions; turns off password saving,
autofill, incognito and guest mode, developer tools and remote debugging, open and save dialogs,
downloads, printing (unless configured), screen capture, sign-in and sync, and ending processes
from the browser's task manager; turns off the browser's AI (Gemini, Copilot, AI Mode, Lens, "Help
me write", the on-device model and the AI APIs pages can call), translation, search suggestions and
the spelling service; allows only Invigil's native messaging host; and carries the extension's own
configuration (allowed hosts, assessment address...). Only the policies that apply to the chosen
browser and OS are written. A centre can relax a few (policy.relax in the config: see
docs/deploy.md).

Flags:
  --browser B         chrome, edge, chromium or firefox
  --os OS             windows, macos or linux
  --config FILE       seat config (JSON or YAML); its "policy" section sets the allowed hosts,
                      printing, update URL, extension id and the policies to relax
  --out DIR           write the files into DIR (created if missing). Without it, a single file is
                      printed to standard output; Windows output, and Firefox's on macOS, is
                      several files and needs --out
  --extension-id ID   the extension id to force-install (a CRX you signed yourself has its own id;
                      \`npm run package\` prints it). Firefox: the add-on id
  --update-url URL    where Chrome, Edge and Chromium fetch the extension (your update.xml);
                      default: the Chrome Web Store
  --install-url URL   Firefox: the address of the signed .xpi

Exit codes: 0 written, 2 bad flags or config (the message names the problem).

Examples:
  invigil policy --browser chrome --os windows --config seat.yaml --out policy/
  invigil policy --browser chromium --os linux > /etc/chromium/policies/managed/invigil.json
`;

function oneOf<T extends string>(args: ParsedArgs, flag: string, allowed: readonly T[]): T {
  const v = stringFlag(args, flag);
  if (v === undefined) throw new UserError(`--${flag} is required: one of ${allowed.join(', ')}`);
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UserError(`--${flag} must be one of ${allowed.join(', ')} (got "${v}")`);
  }
  return v as T;
}

export const policyCommand: Command = {
  name: 'policy',
  summary: 'write the browser policy for exam seats (.reg, .mobileconfig, JSON, policies.json)',
  help,
  options: {
    browser: { type: 'string' },
    os: { type: 'string' },
    config: { type: 'string' },
    out: { type: 'string' },
    'extension-id': { type: 'string' },
    'update-url': { type: 'string' },
    'install-url': { type: 'string' },
  },
  async run(args) {
    const browser = oneOf<PolicyBrowser>(args, 'browser', POLICY_BROWSERS);
    const os = oneOf<PolicyOs>(args, 'os', POLICY_OSES);
    const out = stringFlag(args, 'out');
    const configPath = stringFlag(args, 'config');
    try {
      const generated = generatePolicy({
        browser,
        os,
        config: configPath === undefined ? undefined : loadConfigFile(configPath),
        extensionId: stringFlag(args, 'extension-id'),
        updateUrl: stringFlag(args, 'update-url'),
        installUrl: stringFlag(args, 'install-url'),
      });
      for (const note of generated.notes) process.stderr.write(`${note}\n`);
      if (out === undefined) {
        const [only, ...rest] = generated.files;
        if (!only || rest.length > 0) {
          const names = generated.files.map((f) => f.name).join(', ');
          throw new UserError(
            `the ${BROWSER_NAMES[browser]} policy for ${os} is ${generated.files.length} files (${names}): pass --out DIR to write them`,
          );
        }
        process.stdout.write(only.data);
        return 0;
      }
      const written = writeFilesAtomically(out, generated.files);
      process.stdout.write(
        `${BROWSER_NAMES[browser]} policy for ${os} (extension ${generated.extensionId}):\n`,
      );
      generated.files.forEach((f, i) => {
        process.stdout.write(`  ${written[i]}\n      ${f.summary}\n`);
      });
      return 0;
    } catch (error) {
      if (error instanceof InputError) throw new UserError(error.message, 2);
      throw error;
    }
  },
};
