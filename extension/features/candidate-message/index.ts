/**
 * Messages from the invigilator (`seat/message`): shown to the candidate as text in a small
 * window of our own, then acknowledged (`instruction/ack`) once the page has shown it. Kept in
 * storage until acknowledged, so an acknowledgement lost with the link is sent on reconnection,
 * and a message the agent sends twice (it resends until acknowledged) is shown once.
 */
import type { HostToExtension } from '../../../shared/schemas/native.ts';
import { type CandidateMessage, KEYS, readStored, writeStored } from '../../lib/stored.ts';
import { PAGES, pageUrl } from '../../lib/urls.ts';
import { browser } from '../../platform/index.ts';
import { defineFeature, type FeatureContext } from '../feature.ts';

type SeatMessage = Extract<HostToExtension, { type: 'seat/message' }>;
const KEEP = 20;

export default defineFeature({
  id: 'candidate-message',
  policyFields: [],
  pages: ['message'],
  init(ctx) {
    let queue: Promise<void> = Promise.resolve();
    // One change at a time: the list in storage is read, changed and written back.
    const serialised = (job: () => Promise<void>) => {
      queue = queue.then(job).catch((e) => console.error('[invigil] message', e));
      return queue;
    };
    ctx.agent.onMessage((m) => {
      if (m.type === 'seat/message') void serialised(() => received(ctx, m));
    }, ctx.signal);
    ctx.onPageMessage(
      'message/shown',
      async (m) => {
        await serialised(() => shown(ctx, m.instructionId));
        return { ok: true };
      },
      ctx.signal,
    );
    ctx.agent.linked.subscribe((linked) => {
      if (linked) void serialised(() => resendAcks(ctx));
    }, ctx.signal);
  },
});

async function load(): Promise<CandidateMessage[]> {
  return (await readStored(KEYS.messages)) ?? [];
}

async function received(ctx: FeatureContext, m: SeatMessage): Promise<void> {
  const messages = await load();
  const known = messages.find((x) => x.instructionId === m.instructionId);
  if (known?.shownAt) {
    // Already shown: the agent did not get our acknowledgement. Send it again.
    ctx.agent.send({ type: 'instruction/ack', instructionId: m.instructionId });
    return;
  }
  if (!known) {
    messages.push({
      instructionId: m.instructionId,
      text: m.text,
      receivedAt: new Date().toISOString(),
      acked: false,
    });
    await writeStored(KEYS.messages, messages.slice(-KEEP));
  }
  await browser.windows.create({
    url: `${pageUrl(PAGES.message)}#${m.instructionId}`,
    type: 'popup',
    width: 560,
    height: 520,
    focused: true,
  });
}

async function shown(ctx: FeatureContext, instructionId: string): Promise<void> {
  const messages = await load();
  const message = messages.find((x) => x.instructionId === instructionId);
  if (!message) return;
  message.shownAt ??= new Date().toISOString();
  if (!message.acked) message.acked = ctx.agent.send({ type: 'instruction/ack', instructionId });
  await writeStored(KEYS.messages, messages);
}

async function resendAcks(ctx: FeatureContext): Promise<void> {
  const messages = await load();
  let changed = false;
  for (const m of messages) {
    if (m.shownAt && !m.acked) {
      m.acked = ctx.agent.send({ type: 'instruction/ack', instructionId: m.instructionId });
      changed ||= m.acked;
    }
  }
  if (changed) await writeStored(KEYS.messages, messages);
}
