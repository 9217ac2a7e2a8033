/**
 * The compliance report: built from what every feature found, published at start, on every
 * change (debounced) and as a heartbeat every `heartbeatSeconds` while the worker runs (the
 * native port keeps it running while the agent is linked). The latest is kept in session storage
 * for the popup, and `report/get` returns a fresh one.
 */
import type { ComplianceReport } from '../../../shared/schemas/report.ts';
import { jsonEqual } from '../../lib/store.ts';
import { KEYS, writeStored } from '../../lib/stored.ts';
import { check } from '../../lib/validate.ts';
import { defineFeature, type FeatureContext } from '../feature.ts';
import { buildReport } from './build.ts';

const DEBOUNCE_MS = 150;

export default defineFeature({
  id: 'compliance-report',
  policyFields: ['heartbeatSeconds'],
  pages: ['popup'],
  init(ctx) {
    const reporter = new Reporter(ctx);
    ctx.onPageMessage('report/get', () => reporter.fresh(), ctx.signal);
    return (async () => {
      await ctx.loaded;
      ctx.policy.subscribe(() => reporter.changed(), ctx.signal);
      ctx.gate.subscribe(() => reporter.changed(), ctx.signal);
      ctx.status.subscribe(() => reporter.changed(), ctx.signal);
      ctx.policy.subscribe((now, before) => {
        if (now.policy.heartbeatSeconds !== before.policy.heartbeatSeconds) reporter.heartbeat();
      }, ctx.signal);
      // The first report waits for every feature to have started: it is the seat's real state.
      void ctx.ready.then(() => {
        reporter.publish('start');
        reporter.heartbeat();
      });
      ctx.signal.addEventListener('abort', () => reporter.stop(), { once: true });
    })();
  },
});

class Reporter {
  #sequence = 0;
  #started = false;
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #interval: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly ctx: FeatureContext) {}

  build(trigger: ComplianceReport['trigger']): ComplianceReport {
    return buildReport(
      { policy: this.ctx.policy.get(), gate: this.ctx.gate.get(), status: this.ctx.status.get() },
      { sequence: this.#sequence, trigger, generatedAt: new Date().toISOString() },
    );
  }

  publish(trigger: ComplianceReport['trigger']): ComplianceReport {
    this.#started = true;
    const report = this.build(trigger);
    const checked = check('report', report);
    if (!checked.ok) {
      // Our bug: say so loudly, and still send what we have (the agent validates and names it).
      console.error('[invigil] the compliance report does not match its schema:', checked.error);
    }
    this.#sequence++;
    this.ctx.reports.publish(report);
    void writeStored(KEYS.report, report).catch(() => undefined);
    return report;
  }

  /** Something changed: publish once things settle, if the report really differs. */
  changed(): void {
    if (!this.#started) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => this.#flush(), DEBOUNCE_MS);
  }

  #flush(): void {
    this.#debounce = undefined;
    const latest = this.ctx.reports.latest();
    const next = this.build('change');
    if (latest && sameState(latest, next)) return;
    this.publish('change');
  }

  /** A report reflecting everything known now (for the popup). */
  fresh(): ComplianceReport {
    if (this.#debounce !== undefined) {
      clearTimeout(this.#debounce);
      this.#flush();
    }
    return this.ctx.reports.latest() ?? this.build('change');
  }

  heartbeat(): void {
    clearInterval(this.#interval);
    const seconds = this.ctx.policy.get().policy.heartbeatSeconds;
    this.#interval = setInterval(() => this.publish('heartbeat'), seconds * 1000);
  }

  stop(): void {
    clearTimeout(this.#debounce);
    clearInterval(this.#interval);
  }
}

function sameState(a: ComplianceReport, b: ComplianceReport): boolean {
  const strip = (r: ComplianceReport) => ({ ...r, sequence: 0, generatedAt: '', trigger: 'change' });
  return jsonEqual(strip(a), strip(b));
}
