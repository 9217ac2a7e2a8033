import { hostname } from 'node:os';
import { EXTENSION_CHECK } from '../../kiosk-agent/checks/extension-report.ts';
import { machineChecksOnce } from '../../kiosk-agent/checks/index.ts';
import { agentFinding, checkResult, mergeResults } from '../../kiosk-agent/checks/results.ts';
import { ConfigError, credentialExposure, defaultConfig, loadConfig } from '../../kiosk-agent/config.ts';
import { requestAgentStatus } from '../../kiosk-agent/native-host/agent-client.ts';
import { defaultSocketPath } from '../../kiosk-agent/native-host/socket-path.ts';
import { applySeverityOverrides, readiness, SEAT_STATE_LABELS } from '../../shared/rules/readiness.ts';
import type { CheckResult } from '../../shared/schemas/common.ts';
import { type Command, type ParsedArgs, stringFlag, UserError } from '../command.ts';

const STATUS_WORDS: Record<CheckResult['status'], string> = { pass: 'PASS ', fail: 'FAIL ', error: 'ERROR' };

/**
 * The extension's part of the checklist. With an agent running, its view (the extension's latest
 * report and the report's own checks). Without one there is no report to read: IT often runs this
 * before exam day with no browser open, so that is `info`, not a block; what can be checked without
 * a browser (our host manifest is installed) is checked by the machine checks and does block.
 */
async function extensionLines(socketPath: string, machineLineIds: Set<string>, required: boolean) {
  const reply = await requestAgentStatus(socketPath);
  if (reply) {
    return {
      agent: { running: true, socket: socketPath, outbox: reply.outbox },
      lines: reply.status.checks.filter((c) => !machineLineIds.has(c.id) || c.id === EXTENSION_CHECK.id),
    };
  }
  const lines = required
    ? [
        checkResult(
          EXTENSION_CHECK.id,
          EXTENSION_CHECK.title,
          [
            agentFinding(
              'extension-not-checked',
              `The extension's report was not checked: no Invigil agent answers on ${socketPath}.`,
              { subject: 'Invigil agent' },
            ),
          ],
          '',
        ),
      ]
    : [];
  return { agent: { running: false, socket: socketPath, outbox: null }, lines };
}

function printChecklist(checks: CheckResult[], state: keyof typeof SEAT_STATE_LABELS): string {
  const out: string[] = [`Invigil readiness check for ${hostname()}`, ''];
  for (const c of checks) {
    out.push(`${STATUS_WORDS[c.status]}  ${c.title}`);
    out.push(`       ${c.summary}`);
    for (const f of c.findings) {
      if (c.status === 'pass') continue;
      out.push(`       - [${f.severity}] ${f.message}`);
      if (f.remedy) out.push(`         What to do: ${f.remedy}`);
    }
  }
  out.push('', `Result: ${SEAT_STATE_LABELS[state]}`);
  return `${out.join('\n')}\n`;
}

export const check: Command = {
  name: 'check',
  summary: 'One-shot readiness check of this PC (for IT, before exam day)',
  help: `Usage: invigil check [--json] [--config FILE] [--socket PATH]

Checks this PC once and prints a checklist: each check passed or failed, why, and what to do.
Checks: password managers (programs and browser connectors), remote-access, screen-recording and
screenshot programs, AI assistants, messaging and meeting apps, media players, other browsers, every
program with a window on the desktop against the seat's allowlist, displays, virtual machine, the
browser's enterprise policy, the Invigil host registration, and, when the Invigil agent is running,
the extension's latest report.

Flags:
  --json           print one JSON object: { ready, state, findings: [...], checks: [...], agent, ... }
  --config FILE    the seat's config file (JSON or YAML); without it the defaults apply
  --socket PATH    the agent's local socket (default: the config's socketPath, or the per-user default)

Exit codes:
  0  ready (warnings may be listed)
  1  a finding blocks this seat for certain (even when some other check could not run)
  2  nothing blocks for certain, but the check itself could not run (a bad config file, or a
     check that failed to run)

Examples:
  invigil check
  invigil check --json --config /etc/invigil/seat.yaml
`,
  options: { json: { type: 'boolean' }, config: { type: 'string' }, socket: { type: 'string' } },
  async run(args: ParsedArgs) {
    const json = args.values.json === true;
    const file = stringFlag(args, 'config');
    let config: ReturnType<typeof defaultConfig>;
    try {
      config = file ? loadConfig(file) : defaultConfig();
    } catch (error) {
      if (error instanceof ConfigError) throw new UserError(error.message, 2);
      throw error;
    }
    if (!json && process.stderr.isTTY) process.stderr.write('Checking this PC...\n');
    const socketPath = stringFlag(args, 'socket') ?? config.socketPath ?? defaultSocketPath();
    const machine = (await machineChecksOnce(config)).flat();
    const exposed = file ? credentialExposure(file, config) : null;
    if (exposed) {
      machine.push(
        checkResult(
          'config',
          "The seat's config file is readable by root only",
          [agentFinding('config-credential-exposed', `${exposed}.`, { subject: file ?? 'config' })],
          '',
        ),
      );
    }
    const ids = new Set(machine.map((c) => c.id));
    const ext = await extensionLines(socketPath, ids, config.browser.requireExtension);
    const checks = mergeResults([...machine, ...ext.lines]).map((c) => ({
      ...c,
      findings: applySeverityOverrides(c.findings, config.severity),
    }));
    const findings = checks.flatMap((c) => (c.status === 'pass' ? [] : c.findings));
    const { state, reasons } = readiness(findings);
    const errored = checks.filter((c) => c.status === 'error');
    if (json) {
      process.stdout.write(
        `${JSON.stringify({
          ready: state !== 'not-ready',
          state,
          reasons,
          findings,
          checks,
          agent: ext.agent,
          pc: config.seat.pcName ?? hostname(),
          checkedAt: new Date().toISOString(),
        })}\n`,
      );
    } else {
      process.stdout.write(printChecklist(checks, state));
    }
    if (errored.length > 0) {
      process.stderr.write(
        `invigil check: ${errored.map((c) => c.summary.replace(/^This check could not run: /, `the ${c.id} check could not run: `)).join('; ')}\n`,
      );
    }
    // A finding that blocks for certain (not "this check could not run") is the answer a deployment
    // script needs first: this PC is not safe. Only when nothing blocks for certain does a check that
    // could not run make the answer "unknown".
    const certainBlock = findings.some(
      (f) => f.severity === 'block' && f.code !== 'check-error' && f.code !== 'extension-check-error',
    );
    if (certainBlock) return 1;
    if (errored.length > 0) return 2;
    return state === 'not-ready' ? 1 : 0;
  },
};
