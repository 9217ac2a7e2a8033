/**
 * The popup: the seat's checklist, for the candidate and for IT. Each check says passed or failed
 * in words (colour and symbol only repeat it), why, and for IT what to do about it. The overall
 * state comes from the same readiness rule the agent and the console use.
 */
import { useEffect, useState } from 'preact/hooks';
import { readiness, SEAT_STATE_LABELS } from '../../../shared/rules/readiness.ts';
import type { CheckResult, Finding } from '../../../shared/schemas/common.ts';
import type { ComplianceReport } from '../../../shared/schemas/report.ts';
import type { PageReply } from '../../background/page-messages.ts';
import { Logo, mount } from '../ui/components.tsx';
import { RaiseHand } from '../ui/raise-hand.tsx';
import { KEYS, useStored } from '../ui/use-stored.ts';
import './popup.css';
import { browser } from '../../platform/index.ts';

type Tone = 'pass' | 'warn' | 'fail' | 'info';

function toneOf(check: CheckResult): Tone {
  if (check.status === 'pass') return 'pass';
  if (check.status === 'error') return 'fail';
  const worst = check.findings.some((f) => f.severity === 'block')
    ? 'fail'
    : check.findings.some((f) => f.severity === 'warn')
      ? 'warn'
      : 'info';
  return worst;
}

const WORDS: Record<Tone, string> = { pass: 'Passed', fail: 'Failed', warn: 'Needs attention', info: 'Note' };
const SYMBOLS: Record<Tone, string> = { pass: '✓', fail: '✕', warn: '!', info: 'i' };

function Mark({ tone }: { tone: Tone }) {
  return (
    <span class={`mark ${tone}`} aria-hidden="true">
      {SYMBOLS[tone]}
    </span>
  );
}

function Check({ check }: { check: CheckResult }) {
  const tone = toneOf(check);
  const word = check.status === 'error' ? 'Could not check' : WORDS[tone];
  return (
    <li class="check" data-check={check.id} data-status={check.status}>
      <Mark tone={tone} />
      <div>
        <p class="check-title">
          {check.title}
          <span class={`check-word ${tone}`}>{word}</span>
        </p>
        <p class="check-summary">{check.summary}</p>
        {check.findings.some((f) => f.remedy) && check.status !== 'pass' && (
          <details>
            <summary>What to do (for IT)</summary>
            <ul>
              {check.findings.map((f: Finding) => (
                <li key={`${f.code}-${f.subject ?? ''}`}>{f.remedy}</li>
              ))}
            </ul>
          </details>
        )}
      </div>
    </li>
  );
}

async function fetchReport(): Promise<ComplianceReport | null> {
  const reply = (await browser.runtime.sendMessage({ type: 'report/get' })) as PageReply | undefined;
  return reply?.ok ? (reply.result as ComplianceReport) : null;
}

function Popup() {
  const [stored] = useStored(KEYS.report);
  const [fresh, setFresh] = useState<ComplianceReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    fetchReport()
      .then(setFresh)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  // The newest of the two: the stored one follows every change while the popup is open.
  const report =
    stored && (!fresh || Date.parse(stored.generatedAt) >= Date.parse(fresh.generatedAt)) ? stored : fresh;

  if (!report) {
    return (
      <>
        <Head />
        <RaiseHand compact />
        <p class="loading" role="status">
          {error ? `The checklist could not be loaded: ${error}` : 'Checking this seat…'}
        </p>
      </>
    );
  }
  const findings = report.checks.flatMap((c) => c.findings);
  const state = readiness(findings);
  const tone: Tone = state.state === 'ready' ? 'pass' : state.state === 'attention' ? 'warn' : 'fail';
  const updated = new Date(report.generatedAt).toLocaleTimeString();
  return (
    <>
      <Head />
      <RaiseHand compact />
      <section class="summary" data-state={state.state} aria-live="polite">
        <Mark tone={tone} />
        <div>
          <p class="summary-state" id="readiness">
            {SEAT_STATE_LABELS[state.state]}
          </p>
          {state.state === 'ready' ? (
            <p>Every check passed. This seat is locked down for the assessment.</p>
          ) : (
            <p id="readiness-reason">
              {state.reasons[0]}
              {state.reasons.length > 1 && (
                <span class="more"> And {state.reasons.length - 1} more below.</span>
              )}
            </p>
          )}
        </div>
      </section>
      <ul class="checks" aria-label="Checks">
        {report.checks.map((c) => (
          <Check key={c.id} check={c} />
        ))}
      </ul>
      <dl class="facts">
        <dt>Identity check</dt>
        <dd id="gate">
          {report.gate === 'held'
            ? 'Waiting for the invigilator'
            : report.gate === 'released'
              ? 'Confirmed by the invigilator'
              : 'Not required'}
        </dd>
        <dt>Policy</dt>
        <dd>{report.policy.source === 'managed' ? "Set by the centre's IT" : 'Built-in default'}</dd>
        <dt>Extension</dt>
        <dd>
          {report.extension.version} ({report.browser.name} {report.browser.version.split('.')[0]})
        </dd>
        <dt>Checked at</dt>
        <dd>{updated}</dd>
      </dl>
    </>
  );
}

function Head() {
  return (
    <header class="popup-head">
      <span class="brand">
        <Logo size={24} />
        Invigil
      </span>
      <h1>Seat checklist</h1>
    </header>
  );
}

mount(<Popup />);
