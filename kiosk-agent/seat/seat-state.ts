/**
 * The seat's state: the latest checklist lines from every check group, turned into the seat's
 * status (shared/rules/readiness.ts decides Ready / Attention / Not ready, so the agent, the
 * console and the popup agree), and the changes in findings turned into events.
 */
import { randomUUID } from 'node:crypto';
import { applySeverityOverrides, readiness } from '../../shared/rules/readiness.ts';
import type { CheckResult, Finding, Severity } from '../../shared/schemas/common.ts';
import type { SeatEvent } from '../../shared/schemas/events.ts';
import type { SeatStatus } from '../../shared/schemas/protocol.ts';
import { mergeResults } from '../checks/results.ts';
import type { AgentSeatStatus } from '../native-host/socket-protocol.ts';

/** Identity of a finding across evaluations: the same code about the same thing from the same side. */
export const findingKey = (f: Finding) => `${f.source ?? 'agent'}\u0000${f.code}\u0000${f.subject ?? ''}`;

/** Order of the checklist: the groups as registered, then the extension's own lines. */
export class SeatState {
  private readonly groups = new Map<string, CheckResult[]>();

  constructor(
    private readonly overrides: Readonly<Record<string, Severity>>,
    groupOrder: readonly string[],
  ) {
    for (const g of groupOrder) this.groups.set(g, []);
  }

  set(group: string, results: CheckResult[]): void {
    this.groups.set(group, results);
  }

  /** The checklist with severity overrides applied to every finding. */
  checks(): CheckResult[] {
    const merged = mergeResults([...this.groups.values()].flat());
    return merged.map((c) => ({ ...c, findings: applySeverityOverrides(c.findings, this.overrides) }));
  }

  status(extension: SeatStatus['extension']): AgentSeatStatus {
    const checks = this.checks();
    const findings = checks.flatMap((c) => c.findings);
    return {
      state: readiness(findings).state,
      findings: findings.slice(0, 200),
      checks: checks.slice(0, 100),
      extension,
    };
  }
}

/** What changed between the findings last recorded and now, as events. */
export function findingChanges(
  previous: ReadonlyMap<string, Finding>,
  current: readonly Finding[],
  now = new Date(),
): { raised: Map<string, Finding>; cleared: string[]; events: SeatEvent[] } {
  const at = now.toISOString();
  const currentByKey = new Map(current.map((f) => [findingKey(f), f]));
  const raised = new Map<string, Finding>();
  const events: SeatEvent[] = [];
  for (const [key, f] of currentByKey) {
    if (previous.has(key)) continue;
    raised.set(key, f);
    events.push({ id: randomUUID(), at, type: 'event/finding-raised', finding: f });
  }
  const cleared: string[] = [];
  for (const [key, f] of previous) {
    if (currentByKey.has(key)) continue;
    cleared.push(key);
    events.push({
      id: randomUUID(),
      at,
      type: 'event/finding-cleared',
      code: f.code,
      ...(f.subject !== undefined ? { subject: f.subject } : {}),
    });
  }
  return { raised, cleared, events };
}

/** A status's identity for "has it changed?": ignores the report's age, which changes every second. */
export function statusSignature(s: AgentSeatStatus): string {
  return JSON.stringify([
    s.state,
    s.findings.map((f) => [findingKey(f), f.severity, f.message]),
    s.checks.map((c) => [c.id, c.status]),
    s.extension.linked,
  ]);
}
