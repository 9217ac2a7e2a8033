/**
 * The blocked page: where declarativeNetRequest sends a site that is not allowed (the URL in the
 * hash) and where the worker sends a browser-internal page (`?reason=browser-internal`) or a site
 * the browser's own policy refused. Calm, clear, and one way back: to the assessment. It only shows
 * (as text) what its address says; it records nothing, so a typed address cannot make an incident.
 * Blocked frames get the static note in ../blocked-frame/ instead: this page is not one web pages
 * may load.
 */
import { DEFAULT_ASSESSMENT_URL } from '../../../shared/rules/policy.ts';
import { Emblem, Icons, mount, Page, shorten } from '../ui/components.tsx';
import { RaiseHand } from '../ui/raise-hand.tsx';
import { KEYS, useStored } from '../ui/use-stored.ts';

function blockedAddress(): string {
  return location.hash.slice(1);
}

function hostOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return /^https?:$/.test(parsed.protocol) ? parsed.hostname : null;
  } catch {
    return null;
  }
}

function Blocked() {
  const [policy] = useStored(KEYS.policy);
  const url = blockedAddress();
  const internal = new URLSearchParams(location.search).get('reason') === 'browser-internal';
  const assessmentUrl = policy?.policy.assessmentUrl ?? DEFAULT_ASSESSMENT_URL;
  const host = hostOf(url);

  document.title = internal
    ? 'Browser settings are not available during your assessment'
    : 'Not available during your assessment';
  return (
    <Page>
      <Emblem>{internal ? Icons.gear : Icons.pause}</Emblem>
      <h1>
        {internal
          ? "Browser settings and tools aren't available during your assessment"
          : "This page isn't available during your assessment"}
      </h1>
      <p class="lead">
        {internal
          ? 'Settings, extensions and other browser pages are switched off while you sit your assessment. Nothing has gone wrong, and your work has not been affected.'
          : 'During your assessment this computer can only open the assessment website. Nothing has gone wrong, and your work has not been affected.'}
      </p>
      {url && (
        <div class="field">
          <div class="field-label">You tried to open</div>
          {host && <div class="field-host">{host}</div>}
          <div class="field-value" id="blocked-url" title={url}>
            {shorten(url)}
          </div>
        </div>
      )}
      <a class="button" id="back" href={assessmentUrl}>
        {Icons.arrowLeft}
        Back to your assessment
      </a>
      <RaiseHand />
    </Page>
  );
}

mount(<Blocked />);
