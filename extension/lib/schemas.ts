/**
 * Every schema the extension validates against at run time, as zod schemas: its own (messages from
 * its pages, what it keeps in browser storage) and the shared ones it receives or sends.
 *
 * The extension does not bundle zod (it would be over half of the extension's size; issue 10,
 * part E). The build turns these schemas into JSON Schema (`json-schemas.ts`, replaced by the
 * computed JSON in `vite.config.ts`) and `validate.ts` checks values against that. Unit tests run
 * the same path from these schemas, and `test/unit/extension/validate.test.ts` checks that zod and
 * the JSON Schema accept and refuse the same values. Import types from here, never values, in code
 * that runs in the extension (the build fails if zod reaches the bundle).
 */
import { z } from 'zod';
import { IdSchema, IsoDateTimeSchema, ShortTextSchema, TextSchema } from '../../shared/schemas/common.ts';
import { SeatEventSchema } from '../../shared/schemas/events.ts';
import { HostToExtensionSchema } from '../../shared/schemas/native.ts';
import { ExtensionPolicySchema, PolicyErrorSchema, PolicySourceSchema } from '../../shared/schemas/policy.ts';
import { ComplianceReportSchema } from '../../shared/schemas/report.ts';

// ---- messages from the extension's own pages to the worker (see lib/page-messages.ts) ----
export const PageMessageSchema = z.discriminatedUnion('type', [
  /** The popup asks for a fresh compliance report. */
  z.object({ type: z.literal('report/get') }),
  /** The message page has shown the invigilator's message: the worker acknowledges it to the agent. */
  z.object({ type: z.literal('message/shown'), instructionId: IdSchema }),
  /** The candidate pressed Raise hand on one of our pages (the worker decides what is sent). */
  z.object({ type: z.literal('hand/raise') }),
]);

/** The candidate's raised hand, for the pages and the toolbar to show. */
export const HandStateSchema = z.object({
  raisedAt: IsoDateTimeSchema,
  via: z.enum(['button', 'shortcut']),
});

// ---- what the extension keeps in browser storage (see lib/stored.ts) ----
/** The policy in force and how it came about. Kept in storage.local so a restart enforces it at once. */
export const PolicyStateSchema = z.object({
  policy: ExtensionPolicySchema,
  errors: z.array(PolicyErrorSchema).max(50),
  source: PolicySourceSchema,
});

/** The identity-check gate. `open`: no check needed; `held`: waiting for the invigilator; `released`: checked. */
export const GateStateSchema = z.object({
  state: z.enum(['open', 'held', 'released']),
  /** Who holds it: policy (`requireRelease`, until released) or the console (an explicit `held`). */
  heldBy: z.enum(['policy', 'console']).optional(),
  candidateName: ShortTextSchema.optional(),
  seatLabel: ShortTextSchema.optional(),
  /** Held because the invigilator paused this seat or the room (the holding page says so). */
  paused: z.boolean().optional(),
  changedAt: IsoDateTimeSchema,
});

/** A message from the invigilator, kept until it has been shown and acknowledged. */
export const CandidateMessageSchema = z.object({
  instructionId: IdSchema,
  text: TextSchema,
  receivedAt: IsoDateTimeSchema,
  shownAt: IsoDateTimeSchema.optional(),
  /** True once `instruction/ack` went to the agent. */
  acked: z.boolean(),
});

/** Every schema the extension checks values against, by the name `validate.ts` knows it by. */
export const VALIDATED = {
  hostToExtension: HostToExtensionSchema,
  seatEvent: SeatEventSchema,
  report: ComplianceReportSchema,
  pageMessage: PageMessageSchema,
  policyState: PolicyStateSchema,
  gate: GateStateSchema,
  messages: z.array(CandidateMessageSchema).max(50),
  focus: z.object({ lostAt: IsoDateTimeSchema.nullable() }),
  downloads: z.object({ blockedCount: z.number().int().nonnegative() }),
  hand: HandStateSchema,
} as const;

export type ValidatedName = keyof typeof VALIDATED;
/** The type each name's values have once checked (inferred from the zod schema). */
export type Validated<N extends ValidatedName> = z.infer<(typeof VALIDATED)[N]>;

export type PageMessage = Validated<'pageMessage'>;
export type PolicyState = Validated<'policyState'>;
export type GateState = Validated<'gate'>;
export type CandidateMessage = z.infer<typeof CandidateMessageSchema>;
export type HandState = Validated<'hand'>;

/** A JSON Schema (draft 2020-12) as zod writes it. */
export type JsonSchema = Record<string, unknown>;

/** The JSON Schema of every validated name: what the build inlines into the extension. */
export function jsonSchemas(): Record<ValidatedName, JsonSchema> {
  const out = {} as Record<ValidatedName, JsonSchema>;
  for (const [name, schema] of Object.entries(VALIDATED) as [ValidatedName, z.ZodType][]) {
    // `input`: what may arrive. `throw` on anything JSON Schema cannot say, so the build fails
    // rather than ship a check that lets it through.
    out[name] = z.toJSONSchema(schema, {
      io: 'input',
      unrepresentable: 'throw',
      reused: 'ref',
    }) as JsonSchema;
  }
  return out;
}
