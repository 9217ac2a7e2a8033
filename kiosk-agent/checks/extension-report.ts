/**
 * `extension`: the extension's latest compliance report and its age. The agent cannot see inside
 * the browser; the extension can. So a seat without a recent report is Not ready (three missed
 * heartbeats count as silence), and the report's own failed checks become the seat's findings.
 *
 * How often the extension must report comes from the seat's own config (the heartbeat IT deploys in
 * the extension's policy, `policy.extension.heartbeatSeconds`, default 5 s), never from the report: a
 * forged report that claimed `heartbeatSeconds: 60` once kept a seat Ready for 180 s after its sender
 * stopped. A link that stays open but sends nothing is as silent as a closed one.
 */
import type { CheckResult, Finding } from '../../shared/schemas/common.ts';
import type { AgentConfig } from '../../shared/schemas/config.ts';
import { POLICY_DEFAULTS } from '../../shared/schemas/policy.ts';
import type { ComplianceReport } from '../../shared/schemas/report.ts';
import { agentFinding, checkResult } from './results.ts';

export const EXTENSION_CHECK = { id: 'extension', title: 'The Invigil extension is reporting' };
/** Missed heartbeats before the extension counts as silent. */
export const SILENT_AFTER_HEARTBEATS = 3;

export interface ExtensionState {
  report?: ComplianceReport;
  /** When the latest report arrived (ms since epoch, agent clock). */
  receivedAt?: number;
  /** A native host with the extension behind it is connected. */
  linked: boolean;
}

export interface ExtensionEvaluation {
  line: CheckResult;
  /** The extension's own checklist, its failed lines carrying their findings. */
  reportChecks: CheckResult[];
  ageSeconds: number | null;
}

/** The heartbeat this seat's extension is deployed with (its policy), from the seat's config. */
export function expectedHeartbeatSeconds(config: AgentConfig): number {
  return config.policy?.extension.heartbeatSeconds ?? POLICY_DEFAULTS.heartbeatSeconds;
}

export function evaluateExtension(
  state: ExtensionState,
  now: number,
  required: boolean,
  heartbeatSeconds: number = POLICY_DEFAULTS.heartbeatSeconds,
): ExtensionEvaluation {
  const { report, receivedAt } = state;
  const ageSeconds = receivedAt === undefined ? null : Math.max(0, Math.round((now - receivedAt) / 100) / 10);
  const reportChecks = report ? report.checks.map(withExtensionSource) : [];
  if (!required) {
    return {
      line: checkResult(
        EXTENSION_CHECK.id,
        EXTENSION_CHECK.title,
        [],
        "The extension's reports are not required on this seat.",
      ),
      reportChecks,
      ageSeconds,
    };
  }
  const findings: Finding[] = [];
  if (!report || receivedAt === undefined) {
    findings.push(
      agentFinding(
        'extension-silent',
        state.linked
          ? "The browser's Invigil extension is connected but has not reported yet."
          : 'No report from the Invigil extension since the agent started: the managed browser is closed, or cannot reach the agent.',
        { subject: 'Invigil extension', details: { linked: state.linked } },
      ),
    );
  } else {
    const limit = heartbeatSeconds * SILENT_AFTER_HEARTBEATS;
    if ((ageSeconds ?? 0) > limit) {
      findings.push(
        agentFinding(
          'extension-silent',
          // No running count of seconds here: the message is part of the status, which should change only when the situation does.
          `The Invigil extension has not reported for over ${limit} s (this seat expects a report every ${heartbeatSeconds} s)${state.linked ? ', though its connection is open' : ' and is not connected'}.`,
          {
            subject: 'Invigil extension',
            details: {
              ageSeconds,
              heartbeatSeconds,
              reportSays: report.heartbeatSeconds,
              linked: state.linked,
            },
          },
        ),
      );
    }
  }
  const pass = report
    ? `The Invigil extension ${report.extension.version} in ${report.browser.name} ${report.browser.version} reported ${ageSeconds} s ago.`
    : '';
  return {
    line: checkResult(EXTENSION_CHECK.id, EXTENSION_CHECK.title, findings, pass),
    reportChecks,
    ageSeconds,
  };
}

function withExtensionSource(c: CheckResult): CheckResult {
  const findings = c.findings.map((f) => (f.source ? f : { ...f, source: 'extension' as const }));
  if (c.status === 'error' && findings.length === 0) {
    findings.push({
      ...agentFinding('check-error', `The extension's ${c.id} check could not run: ${c.summary}`, {
        subject: c.id,
      }),
      source: 'extension',
    });
  }
  return { ...c, findings };
}
