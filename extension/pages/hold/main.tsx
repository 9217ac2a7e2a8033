/**
 * The holding page: every page waits here until the invigilator has checked the candidate's
 * identity and released the seat from the console. It follows the gate in storage, so it changes
 * by itself; the worker moves the tab on once the hold rule is gone.
 */

import { Emblem, Icons, mount, Page } from '../ui/components.tsx';
import { RaiseHand } from '../ui/raise-hand.tsx';
import { KEYS, useStored } from '../ui/use-stored.ts';

function Hold() {
  const [gate, loaded] = useStored(KEYS.gate);
  const released = loaded && gate !== undefined && gate.state !== 'held';
  const paused = !released && gate?.state === 'held' && gate.paused === true;
  return (
    <Page label={paused ? 'Assessment paused' : 'Waiting to start'}>
      <Emblem>{Icons.person}</Emblem>
      <h1 id="hold-title">
        {released
          ? 'You can start now'
          : paused
            ? 'Your invigilator has paused your assessment'
            : 'Please wait for your invigilator'}
      </h1>
      <p class="lead">
        {released
          ? 'Your invigilator has started your assessment. It will open in a moment.'
          : paused
            ? 'Stay in your seat. The pause and how long it lasts are recorded, and your assessment opens again by itself when your invigilator resumes it.'
            : "Your invigilator will check your identity, then start your assessment from their screen. You don't need to do anything."}
      </p>
      {(gate?.candidateName || gate?.seatLabel) && (
        <dl class="details" id="hold-details">
          {gate.candidateName && (
            <>
              <dt>Candidate</dt>
              <dd id="candidate-name">{gate.candidateName}</dd>
            </>
          )}
          {gate.seatLabel && (
            <>
              <dt>Seat</dt>
              <dd id="seat-label">{gate.seatLabel}</dd>
            </>
          )}
        </dl>
      )}
      {!released && (
        <div class="waiting" role="status">
          <span class="dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          Waiting for your invigilator. This page will change by itself when you can begin.
        </div>
      )}
      <p class="help">If the details above are not yours, raise your hand and tell your invigilator.</p>
      <RaiseHand />
    </Page>
  );
}

mount(<Hold />);
