/**
 * `extension`: the extension's latest compliance report and its age. The agent cannot see inside
 * the browser; the extension can. So a seat without a recent report is Not ready (three missed
 * heartbeats count as silence), and the report's own failed checks become the seat's findings.
 *
 * How often the extension must report comes from the seat's own config (the heartbeat IT deploys in
 * the extension's policy, `policy.extension.heartbeatSeconds`, default 5 s), never from the report: a
 * forged report that claimed `heartbeatSeconds: 60` once kept a seat Ready for 180 s after its sender
 * stopped. A link that stays open but sends nothing is as silent as a closed one.
 *
 * `displays-seen-by-browser`: the browser's count of displays (chrome.system.display, in the
 * report) against the agent's own. Two independent views of the same screens: a display one of them
 * cannot see (another X display or session, a virtual or remote display) shows as a disagreement.
 */
import type { CheckResult, Finding } from '../../shared/schemas/common.ts';
import type { AgentConfig } from '../../shared/schemas/config.ts';
import { POLICY_DEFAULTS } from '../../shared/schemas/policy.ts';
import type { ComplianceReport } from '../../shared/schemas/report.ts';
import type { ConnectedDisplay } from './displays.ts';
import { agentFinding, checkResult } from './results.ts';

export const EXTENSION_CHECK = { id: 'extension', title: 'The Invigil extension is reporting' };
export const BROWSER_DISPLAYS_CHECK = {
  id: 'displays-seen-by-browser',
  title: 'The browser sees the same displays as the agent',
};
/** Missed heartbeats before the extension counts as silent. */
export const SILENT_AFTER_HEARTBEATS = 3;

export interface ExtensionState {
  report?: ComplianceReport;
  /** When the latest report arrived (ms since epoch, agent clock). */
  receivedAt?: number;
  /** A native host with the extension behind it is connected. */
  linked: boolean;
  /** The agent's own latest list of displays (undefined until it has one, or when it could not list them). */
  displays?: readonly ConnectedDisplay[];
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
  const compared = report ? compareDisplays(report, state.displays) : null;
  return {
    line: checkResult(EXTENSION_CHECK.id, EXTENSION_CHECK.title, findings, pass),
    reportChecks: compared ? [...reportChecks, compared] : reportChecks,
    ageSeconds,
  };
}

/**
 * How many displays the browser should see of those the agent lists: the ones switched on, with
 * mirrored ones (same place on the desktop) counted once, as a browser shows one screen for them.
 */
export function displaysTheBrowserShouldSee(displays: readonly ConnectedDisplay[]): number {
  const places = new Set<string>();
  let unplaced = 0;
  for (const d of displays) {
    if (!d.enabled) continue;
    if (d.x === null || d.y === null) unplaced++;
    else places.add(`${d.x},${d.y}`);
  }
  return places.size + unplaced;
}

/**
 * The line comparing the two counts, or null when there is nothing to compare yet (no count from
 * the browser, from an older extension, or no list from the agent).
 */
export function compareDisplays(
  report: ComplianceReport,
  displays: readonly ConnectedDisplay[] | undefined,
): CheckResult | null {
  const browser = report.displays?.count;
  if (browser === undefined || browser === null || displays === undefined) return null;
  const agent = displaysTheBrowserShouldSee(displays);
  const { id, title } = BROWSER_DISPLAYS_CHECK;
  const counts = (n: number) => `${n} display${n === 1 ? '' : 's'}`;
  if (browser === agent) {
    return checkResult(id, title, [], `The browser and the agent both see ${counts(agent)}.`);
  }
  const message =
    browser > agent
      ? `The browser sees ${counts(browser)} but the agent sees ${counts(agent)}: a display the agent cannot see is attached to the browser.`
      : `The browser sees ${counts(browser)} but the agent sees ${counts(agent)} switched on: the browser may be on another display or session than the one the agent checks.`;
  const finding = agentFinding('display-count-mismatch', message, {
    subject: `browser ${browser}, agent ${agent}`,
    details: { browser, agent, agentListed: displays.length },
  });
  // More screens than the agent knows of is what cheating looks like; fewer needs a look.
  return checkResult(id, title, [browser > agent ? finding : { ...finding, severity: 'warn' }], '');
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
