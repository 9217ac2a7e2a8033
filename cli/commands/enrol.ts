import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parseDocument, stringify as yamlStringify } from 'yaml';
import { enrolSeat } from '../../kiosk-agent/seat/console-link.ts';
import { AgentConfigSchema } from '../../shared/schemas/config.ts';
import { type Command, stringFlag, UserError } from '../command.ts';

export const enrolCommand: Command = {
  name: 'enrol',
  summary: 'Enrol this exam PC with the console: exchange an enrolment code for the seat credential',
  help: `Usage: invigil enrol --console URL --code CODE --config FILE [--pc-name NAME] [--ca FILE]

Exchanges an enrolment code (made in the console's dashboard, under Seats) for this seat's id and
secret credential, and writes them into the "console" section of the agent's config FILE (JSON or
YAML), keeping everything else in it. A missing FILE is created. The file is made readable by its
owner only (mode 600), because the credential lets a PC report as this seat.

Flags:
  --console URL   The console's address, as printed by \`invigil console\` (http://... or https://...)
  --code CODE     The enrolment code shown in the dashboard (for example K7PM-Q2XD)
  --config FILE   The agent's config file to update
  --pc-name NAME  How the PC is shown to the invigilator (default: the config's seat.pcName, else the host name)
  --ca FILE       For an https:// console whose certificate the centre made itself: that certificate (or
                  the centre's CA), PEM. Its path goes into the config, and the agent trusts it too.

An enrolment code is single-use and valid for an hour unless the person who made it asked for more.

A PC name that is already enrolled is not taken over: this PC's credential is written as usual, but the
console refuses it until a coordinator approves this PC as that seat's replacement (dashboard, Notices).
Until then the PC enrolled before keeps reporting; once approved, \`invigil agent\` here connects by itself.
Use a new PC name for a new PC.

Exit codes: 0 enrolled (or waiting for approval, as it says), 1 the console refused or could not be
reached, 2 bad flags or config file.

Example:
  invigil enrol --console http://console.local:7420 --code K7PM-Q2XD --config /etc/invigil/seat.yaml
`,
  options: {
    console: { type: 'string' },
    code: { type: 'string' },
    config: { type: 'string' },
    'pc-name': { type: 'string' },
    ca: { type: 'string' },
  },
  async run(args) {
    const consoleUrl = stringFlag(args, 'console');
    const code = stringFlag(args, 'code');
    const configFlag = stringFlag(args, 'config');
    if (!consoleUrl) throw new UserError('--console is required (the address `invigil console` printed)');
    if (!code) throw new UserError('--code is required (make one in the dashboard under Seats)');
    if (!configFlag)
      throw new UserError('--config is required (the agent config file to write the credential into)');
    const file = resolve(configFlag);
    const caFlag = stringFlag(args, 'ca');
    const caFile = caFlag === undefined ? undefined : resolve(caFlag);
    let ca: Buffer | undefined;
    if (caFile !== undefined) {
      try {
        ca = readFileSync(caFile);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new UserError(
          `--ca ${caFile}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
        );
      }
      if (!ca.toString('utf8').includes('-----BEGIN CERTIFICATE-----'))
        throw new UserError(`--ca ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    }
    const isYaml = ['.yaml', '.yml'].includes(extname(file).toLowerCase());

    // Read and check the config before asking the console, so a broken file never uses up a code.
    const original = existsSync(file) ? readFileSync(file, 'utf8') : '';
    let data: Record<string, unknown> = {};
    const doc = isYaml ? parseDocument(original || '{}') : null;
    if (doc && doc.errors.length > 0) {
      throw new UserError(`${file} is not valid YAML: ${doc.errors[0]?.message.split('\n')[0]}`);
    }
    try {
      data = (doc ? doc.toJS() : original.trim() ? JSON.parse(original) : {}) ?? {};
    } catch (error) {
      throw new UserError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof data !== 'object' || Array.isArray(data)) throw new UserError(`${file} must hold an object`);
    const before = AgentConfigSchema.safeParse(data);
    if (
      !before.success &&
      !(before.error.issues.length === 1 && before.error.issues[0]?.path[0] === 'console')
    ) {
      const issue = before.error.issues[0];
      throw new UserError(
        `${file}: ${issue?.path.join('.') || 'config'}: ${issue?.message}; fix it, then enrol again`,
      );
    }
    const seatSection = (data.seat ?? {}) as { pcName?: string };
    const pcNameFlag = stringFlag(args, 'pc-name');
    const pcName = pcNameFlag ?? seatSection.pcName;

    process.stdout.write(`Enrolling with ${consoleUrl}…\n`);
    let enrolled: Awaited<ReturnType<typeof enrolSeat>>;
    try {
      enrolled = await enrolSeat({ consoleUrl, code, ...(pcName ? { pcName } : {}), ...(ca ? { ca } : {}) });
    } catch (error) {
      throw new UserError((error as Error).message, 1);
    }
    const section = {
      url: new URL(consoleUrl).origin,
      seatId: enrolled.seatId,
      credential: enrolled.credential,
      ...(caFile ? { ca: caFile } : {}),
    };
    let text: string;
    if (doc) {
      doc.set('console', doc.createNode(section));
      if (pcNameFlag) doc.setIn(['seat', 'pcName'], pcNameFlag);
      text = doc.toString();
      if (!original) text = yamlStringify(doc.toJS());
    } else {
      const next = { ...data, console: section } as Record<string, unknown>;
      if (pcNameFlag) next.seat = { ...(data.seat as object | undefined), pcName: pcNameFlag };
      text = `${JSON.stringify(next, null, 2)}\n`;
    }
    const check = AgentConfigSchema.safeParse(isYaml ? parseDocument(text).toJS() : JSON.parse(text));
    if (!check.success) {
      throw new UserError(
        `the updated config would be invalid (${check.error.issues[0]?.message}); nothing was written`,
      );
    }
    // Write beside it and rename: the file is never half-written, and never readable by others.
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, text, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, file);
    if (enrolled.pending) {
      process.stdout.write(
        `"${enrolled.pcName}" is already enrolled, so this PC is waiting for a coordinator to approve it as its replacement (in the dashboard, under Notices). Until then the console refuses it and the PC enrolled before keeps reporting.\nThe credential is in ${file} (readable by its owner only). Start \`invigil agent\`: it connects by itself once approved.\n`,
      );
      return 0;
    }
    process.stdout.write(
      `Enrolled "${enrolled.pcName}" as seat ${enrolled.seatId}.\nThe credential is in ${file} (readable by its owner only). Start or restart \`invigil agent\`.\n`,
    );
    return 0;
  },
};
