/**
 * Building findings and checklist lines the same way in every check: the default severity and the
 * remedy come from shared/catalogs/findings.ts, so a check only says what it found.
 */
import { type FindingCode, findingDefinition } from '../../shared/catalogs/findings.ts';
import type { CheckResult, Finding } from '../../shared/schemas/common.ts';

type Details = NonNullable<Finding['details']>;

export function agentFinding(
  code: FindingCode,
  message: string,
  extra: { subject?: string; details?: Details } = {},
): Finding {
  const def = findingDefinition(code);
  if (!def) throw new Error(`unknown finding code ${code}`);
  return {
    code,
    severity: def.severity,
    message: message.slice(0, 2000),
    ...(extra.subject !== undefined ? { subject: extra.subject.slice(0, 200) } : {}),
    remedy: def.remedy,
    source: 'agent',
    ...(extra.details ? { details: extra.details } : {}),
  };
}

/** Longest summary the status schema takes (TextSchema); a longer one would make the whole status invalid. */
const SUMMARY_MAX = 2000;

/** Cuts text to `max` characters, saying that it was cut. */
function bounded(text: string, max = SUMMARY_MAX): string {
  return text.length <= max
    ? text
    : `${text.slice(0, max - 40)}… (and ${text.length - (max - 40)} characters more)`;
}

/** A checklist line: passes when there is no finding. */
export function checkResult(
  id: string,
  title: string,
  findings: Finding[],
  passSummary: string,
  failSummary?: string,
): CheckResult {
  return {
    id,
    title,
    status: findings.length === 0 ? 'pass' : 'fail',
    summary: bounded(
      findings.length === 0 ? passSummary : (failSummary ?? findings.map((f) => f.message).join(' ')),
    ),
    findings: findings.slice(0, 100),
  };
}

/** A check that could not run: fail closed with `check-error`, naming the check and the reason. */
export function checkError(id: string, title: string, error: unknown): CheckResult {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    id,
    title,
    status: 'error',
    summary: bounded(`This check could not run: ${reason}`),
    findings: [
      agentFinding('check-error', `The ${id} check could not run: ${reason}`, {
        subject: id,
        details: { check: id },
      }),
    ],
  };
}

/** Lines with the same id (two modules feeding one checklist line) become one. */
export function mergeResults(results: readonly CheckResult[]): CheckResult[] {
  const byId = new Map<string, CheckResult>();
  for (const r of results) {
    const prev = byId.get(r.id);
    if (!prev) {
      byId.set(r.id, { ...r, findings: [...r.findings] });
      continue;
    }
    // The same finding from two sources of one line (the agent's view and ours in `invigil check`) counts once.
    const seen = new Set(prev.findings.map((f) => `${f.code}\0${f.subject ?? ''}\0${f.message}`));
    const added = r.findings.filter((f) => !seen.has(`${f.code}\0${f.subject ?? ''}\0${f.message}`));
    const findings = [...prev.findings, ...added].slice(0, 100);
    const status =
      prev.status === 'error' || r.status === 'error' ? 'error' : findings.length > 0 ? 'fail' : 'pass';
    const summaries = [prev, r].filter((x) => x.status !== 'pass').map((x) => x.summary);
    byId.set(r.id, {
      ...prev,
      status,
      findings,
      summary: status === 'pass' ? prev.summary : summaries.join(' '),
    });
  }
  return [...byId.values()];
}
