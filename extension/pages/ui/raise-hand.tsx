/**
 * The Raise hand button, on every page of ours and in the toolbar popup. The worker decides what is
 * sent (features/raise-hand); the page shows the hand the worker stored, so every open page agrees.
 */
import { useEffect, useState } from 'preact/hooks';
import type { PageReply } from '../../background/page-messages.ts';
import { HAND_REPEAT_MS, HAND_SHOWN_MS, RAISE_HAND_COMMAND } from '../../features/raise-hand/constants.ts';
import { browser } from '../../platform/index.ts';
import { KEYS, useStored } from './use-stored.ts';

function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** The keys the browser has for the command now (a centre may have changed or removed them). */
function useShortcut(): string | null | undefined {
  const [keys, setKeys] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    browser.commands
      .getAll()
      .then((all) => setKeys(all.find((c) => c.name === RAISE_HAND_COMMAND)?.shortcut || null))
      .catch(() => setKeys(null));
  }, []);
  return keys;
}

export function RaiseHand({ compact = false }: { compact?: boolean }) {
  const [hand] = useStored(KEYS.hand);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const shortcut = useShortcut();
  const now = useNow(1000);
  const since = hand ? now - Date.parse(hand.raisedAt) : Number.POSITIVE_INFINITY;
  const raised = since < HAND_SHOWN_MS;
  // The invigilator may have come and gone: after a few seconds the candidate can raise it again (the
  // console counts a raise on a hand still open as the same hand).
  const canRaise = since >= HAND_REPEAT_MS;

  async function raise() {
    setSending(true);
    setError(null);
    try {
      const reply = (await browser.runtime.sendMessage({ type: 'hand/raise' })) as PageReply | undefined;
      if (!reply?.ok) setError(reply?.error ?? 'the browser did not answer');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSending(false);
    }
  }

  const clock = hand
    ? new Date(hand.raisedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : '';
  return (
    <section class={`raise-hand${compact ? ' compact' : ''}`} aria-label="Ask for your invigilator">
      <div aria-live="polite">
        {raised ? (
          <p class="hand-raised" id="hand-state">
            Your hand is raised ({clock}). Stay in your seat: your invigilator will come to you.
          </p>
        ) : null}
        {canRaise ? (
          <button
            type="button"
            class="button hand"
            id="raise-hand"
            disabled={sending}
            onClick={() => void raise()}
          >
            {raised ? 'Raise hand again' : 'Raise hand'}
          </button>
        ) : null}
      </div>
      <p class="hand-help">
        {raised
          ? 'You can carry on with your assessment while you wait.'
          : 'Ask your invigilator to come to you, for example to explain or pronounce a word.'}
        {shortcut ? ` In the assessment, press ${shortcut} at any time.` : ''}
      </p>
      {error && (
        <p class="hand-error" role="alert">
          Your hand could not be sent ({error}). Raise your hand in the room so your invigilator sees you.
        </p>
      )}
    </section>
  );
}
