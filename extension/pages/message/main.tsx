/**
 * A message from the invigilator, shown as text. Once it is on screen the page tells the worker,
 * which acknowledges it to the agent (`instruction/ack`).
 */
import { useEffect } from 'preact/hooks';
import type { PageReply } from '../../background/page-messages.ts';
import { browser } from '../../platform/index.ts';
import { Emblem, Icons, mount, Page } from '../ui/components.tsx';
import { KEYS, useStored } from '../ui/use-stored.ts';

function Message() {
  const [messages, loaded] = useStored(KEYS.messages);
  const id = location.hash.slice(1);
  const message = messages?.find((m) => m.instructionId === id);

  useEffect(() => {
    if (!message) return;
    // After the next paint: "shown" means on screen, not merely received.
    requestAnimationFrame(() =>
      setTimeout(() => {
        void browser.runtime
          .sendMessage({ type: 'message/shown', instructionId: message.instructionId })
          .then((reply) => {
            if (!(reply as PageReply | undefined)?.ok) console.warn('[invigil] message/shown', reply);
          });
      }, 0),
    );
  }, [message?.instructionId]);

  if (!loaded) return null;
  const time = message
    ? new Date(message.receivedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : '';
  return (
    <Page label="Message">
      <Emblem>{Icons.message}</Emblem>
      <h1>Message from your invigilator</h1>
      {message ? (
        <>
          <p class="message-text" id="message-text">
            {message.text}
          </p>
          <p class="meta">Sent at {time}</p>
        </>
      ) : (
        <p class="lead">This message is no longer available.</p>
      )}
      <button type="button" class="button" id="close" onClick={() => window.close()}>
        OK, close this message
      </button>
    </Page>
  );
}

mount(<Message />);
