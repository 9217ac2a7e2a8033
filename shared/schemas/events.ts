import { z } from 'zod';
import { FindingSchema, IdSchema, IsoDateTimeSchema, ShortTextSchema, TextSchema } from './common.ts';
import { PolicyErrorSchema } from './policy.ts';

/**
 * Seat events: what happened at a seat that an invigilator should know about. They travel
 * extension outbox -> agent's durable store -> console, each hop deleting an event only when the
 * next hop acknowledges its id; every receiver ignores an id it already has.
 */

const UrlTextSchema = z.string().max(2048);

const base = {
  /** Unique per event (crypto.randomUUID()). */
  id: IdSchema,
  /** When it happened, at the seat. */
  at: IsoDateTimeSchema,
};

export const SeatEventSchema = z.discriminatedUnion('type', [
  // ---- from the extension ----
  z.object({
    ...base,
    type: z.literal('event/blocked-navigation'),
    url: UrlTextSchema,
    /** `not-allowed`: a site outside the allowlist; `browser-internal`: settings, extensions, file:, view-source:...; `held`: before release. */
    reason: z.enum(['not-allowed', 'browser-internal', 'held']),
    frame: z.enum(['main', 'sub']),
  }),
  z.object({ ...base, type: z.literal('event/focus-lost') }),
  z.object({
    ...base,
    type: z.literal('event/focus-returned'),
    /** How long the browser had lost focus to another application. */
    awayMs: z.number().int().nonnegative(),
  }),
  z.object({ ...base, type: z.literal('event/tab-opened'), url: UrlTextSchema.optional() }),
  z.object({ ...base, type: z.literal('event/window-opened'), windowType: ShortTextSchema }),
  z.object({
    ...base,
    type: z.literal('event/setting-reverted'),
    setting: z.enum([
      'passwordSaving',
      'autofillAddress',
      'autofillCreditCard',
      'translationService',
      'spellingService',
      'searchSuggest',
    ]),
    /** False when the setting could not be turned off again (another extension or policy controls it). */
    restored: z.boolean(),
  }),
  z.object({
    ...base,
    type: z.literal('event/download-blocked'),
    url: UrlTextSchema,
    filename: ShortTextSchema.optional(),
  }),
  z.object({
    ...base,
    type: z.literal('event/extension-disabled'),
    extensionId: z.string().max(64),
    name: ShortTextSchema,
    passwordManager: ShortTextSchema.nullable(),
  }),
  z.object({ ...base, type: z.literal('event/policy-rejected'), errors: z.array(PolicyErrorSchema).max(50) }),
  z.object({
    ...base,
    type: z.literal('event/policy-applied'),
    source: z.enum(['default', 'managed']),
    allowedHosts: z.array(z.string().max(253)).max(200),
  }),
  /**
   * The candidate asked for the invigilator without leaving the assessment: the button on the
   * extension's pages and toolbar popup, or the keyboard shortcut. A repeat within a few seconds is
   * the same raised hand and is not sent again.
   */
  z.object({ ...base, type: z.literal('event/hand-raised'), via: z.enum(['button', 'shortcut']) }),
  /**
   * The browser loaded the assessment's end page (the policy's `endPageUrl`) in its main frame: the
   * candidate has finished. The console sets the finish of the seat's own entry, once, and only while the
   * seat is released. The address is what the browser loaded (bounded; shown as text).
   */
  z.object({ ...base, type: z.literal('event/assessment-finished'), url: z.string().min(1).max(2000) }),
  // ---- from the kiosk agent ----
  z.object({ ...base, type: z.literal('event/finding-raised'), finding: FindingSchema }),
  z.object({
    ...base,
    type: z.literal('event/finding-cleared'),
    code: z.string().max(64),
    subject: ShortTextSchema.optional(),
  }),
  z.object({ ...base, type: z.literal('event/agent-started'), version: z.string().max(64) }),
  z.object({ ...base, type: z.literal('event/extension-link'), connected: z.boolean() }),
  /**
   * A program that tried to speak for the browser on the agent's local socket and was refused: it was
   * not the installed native host started by the managed browser, or a host was already linked
   * (`second`). What the agent saw of it (from the operating system, not from what it said) is kept.
   */
  z.object({
    ...base,
    type: z.literal('event/connector-refused'),
    reason: TextSchema,
    second: z.boolean(),
    peer: z.object({
      pid: z.number().int().nonnegative().nullable(),
      executable: z.string().max(1000).nullable(),
      user: ShortTextSchema.nullable(),
      parentPid: z.number().int().nonnegative().nullable(),
      parentExecutable: z.string().max(1000).nullable(),
    }),
    /** Refusals of the same kind not recorded separately since the previous one (a program retrying). */
    repeats: z.number().int().nonnegative().optional(),
  }),
  // ---- from any seat client ----
  /**
   * Stands in for an event too large to send (over 64 KiB of JSON): same id, `at` and type, with the
   * start of its JSON. The console keeps it as a rejected event and acknowledges it, so the outbox moves on.
   */
  z.object({
    ...base,
    type: z.literal('event/oversized'),
    /** The `type` of the event it stands in for. */
    originalType: z.string().max(64),
    /** The size of that event's JSON, in UTF-8 bytes. */
    bytes: z.number().int().nonnegative(),
    /** The first characters of that event's JSON. */
    excerpt: z.string().max(4096),
  }),
]);
export type SeatEvent = z.infer<typeof SeatEventSchema>;
export type SeatEventType = SeatEvent['type'];
