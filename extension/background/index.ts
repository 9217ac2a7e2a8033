/**
 * The background (Chromium's service worker, Firefox's event page): wires the features together.
 *
 * Order matters. In the first turn (synchronously) every listener is added, so the event that
 * woke a stopped worker reaches its feature. Then the stored policy and gate are read (a few ms)
 * and the features do their asynchronous work. Site blocking never waits for any of this: the
 * static ruleset, and the dynamic rules written by the previous run, are in force before this
 * file runs at all. Managed policy is applied whenever it arrives.
 */

import type { ComplianceReport } from '../../shared/schemas/report.ts';
import { createAgentLink } from '../agent-link/index.ts';
import { INITIAL_STATUS, type StatusSections } from '../features/compliance-report/build.ts';
import { describeError, type FeatureContext, type ReportChannel } from '../features/feature.ts';
import { FEATURES } from '../features/index.ts';
import { on } from '../lib/chrome-events.ts';
import { Store } from '../lib/store.ts';
import { type GateState, KEYS, readStored } from '../lib/stored.ts';
import { browser } from '../platform/index.ts';
import { PageMessages } from './page-messages.ts';
import { PolicyStore } from './policy-store.ts';

const WAKE_ALARM = 'invigil-wake';
/**
 * Chromium stops an idle worker after 30 s, and a stopped worker takes a few hundred ms to start
 * again: too slow for the tab watcher's 500 ms promise (measured in bench/extension). Any extension
 * API call resets the idle timer (Chrome 110+), so an exam seat keeps its worker running. The
 * native port does the same while the agent is linked; this covers seats without an agent.
 * (Firefox suspends an idle event page too, but never one with a native port open: on a seat the host
 * keeps the port open even while the agent is down.)
 */
const KEEP_ALIVE_MS = 20_000;

const lifetime = new AbortController();
const signal = lifetime.signal;
const agent = createAgentLink();
const policy = new PolicyStore((event) => agent.log(event));
const gate = new Store<GateState>({ state: 'open', changedAt: new Date().toISOString() });
const status = new Store<StatusSections>(INITIAL_STATUS);
const pages = new PageMessages();

let latestReport: ComplianceReport | null = null;
const reportListeners = new Set<(r: ComplianceReport) => void>();
const reports: ReportChannel = {
  latest: () => latestReport,
  publish(report) {
    latestReport = report;
    for (const fn of [...reportListeners]) fn(report);
  },
  subscribe(fn, s) {
    reportListeners.add(fn);
    s.addEventListener('abort', () => reportListeners.delete(fn), { once: true });
  },
};

const loaded = (async () => {
  await policy.load();
  const storedGate = await readStored(KEYS.gate).catch(() => undefined);
  if (storedGate) gate.set(storedGate);
})();

let markReady: () => void = () => undefined;
const ready = new Promise<void>((resolve) => {
  markReady = resolve;
});

const ctx: FeatureContext = {
  signal,
  loaded,
  ready,
  policy: policy.state,
  gate,
  status,
  log: (event, at) => agent.log(event, at),
  agent: agent.channel,
  reports,
  onPageMessage: (type, handler, s) => pages.handle(type, handler, s),
};

// ---- first turn: listeners ----
policy.listen(signal);
pages.listen(ready, signal);
// Chromium stops an idle worker after 30 s; the alarm wakes it to reconnect to the agent.
on(
  browser.alarms.onAlarm,
  (alarm) => {
    if (alarm.name === WAKE_ALARM) agent.link.connect();
  },
  signal,
);
const inits = FEATURES.map((feature) => {
  try {
    return Promise.resolve(feature.init(ctx)).then(
      () => null,
      (e: unknown) => ({ feature: feature.id, error: describeError(e) }),
    );
  } catch (e) {
    return Promise.resolve({ feature: feature.id, error: describeError(e) });
  }
});
agent.start(reports, status, signal);
// Start-up timings, for the benchmarks (ms since the worker started).
const startup = { listenersMs: performance.now(), readyMs: -1 };
(globalThis as unknown as { invigilStartup: typeof startup }).invigilStartup = startup;

// ---- then: asynchronous start-up ----
void loaded.then(() => policy.fetchManaged());
void browser.alarms.create(WAKE_ALARM, { periodInMinutes: 0.5 });
const keepAlive = setInterval(() => void browser.runtime.getPlatformInfo(), KEEP_ALIVE_MS);
signal.addEventListener('abort', () => clearInterval(keepAlive), { once: true });
void Promise.all(inits).then((results) => {
  for (const failed of results) {
    if (!failed) continue;
    console.error(`[invigil] feature ${failed.feature} failed to start: ${failed.error}`);
    // The report's "every protection started" check fails: the seat fails closed.
    status.update((s) => ({ ...s, failedFeatures: { ...s.failedFeatures, [failed.feature]: failed.error } }));
  }
  markReady();
  startup.readyMs = performance.now();
  // The test harness (test/helpers/chromium.ts) waits for this.
  (globalThis as unknown as { invigilReady: boolean }).invigilReady = true;
});
