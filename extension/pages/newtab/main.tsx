/**
 * The new-tab page (chrome_url_overrides): instead of Chromium's page with a search box, a
 * single way to the assessment. While the seat is held it shows the holding page instead.
 */
import { DEFAULT_ASSESSMENT_URL } from '../../../shared/rules/policy.ts';
import { PAGES } from '../../lib/urls.ts';
import { browser } from '../../platform/index.ts';
import { Emblem, Icons, mount, Page } from '../ui/components.tsx';
import { RaiseHand } from '../ui/raise-hand.tsx';
import { KEYS, useStored } from '../ui/use-stored.ts';

function NewTab() {
  const [policy] = useStored(KEYS.policy);
  const [gate] = useStored(KEYS.gate);
  if (gate?.state === 'held') {
    location.replace(browser.runtime.getURL(PAGES.hold));
    return null;
  }
  const assessmentUrl = policy?.policy.assessmentUrl ?? DEFAULT_ASSESSMENT_URL;
  let host = assessmentUrl;
  try {
    host = new URL(assessmentUrl).hostname;
  } catch {
    // Shown as it is.
  }
  return (
    <Page>
      <Emblem>{Icons.home}</Emblem>
      <h1>Your assessment</h1>
      <p class="lead">
        This computer is set up for your assessment: only the assessment website can be opened.
      </p>
      <a class="button" id="go" href={assessmentUrl}>
        Go to your assessment
      </a>
      <p class="meta" style={{ marginTop: '14px' }}>
        {host}
      </p>
      <RaiseHand />
    </Page>
  );
}

mount(<NewTab />);
