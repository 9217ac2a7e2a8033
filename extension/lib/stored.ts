/**
 * What the extension keeps in chrome.storage, and its schemas. The worker writes; the pages read
 * (they may open while the worker is stopped) and listen to `chrome.storage.onChanged`.
 * Everything read back is validated: a value that fails is treated as absent, never trusted.
 */
import { z } from 'zod';
import { IdSchema, IsoDateTimeSchema, ShortTextSchema, TextSchema } from '../../shared/schemas/common.ts';
import {
  ExtensionPolicySchema,
  POLICY_DEFAULTS,
  PolicyErrorSchema,
  PolicySourceSchema,
} from '../../shared/schemas/policy.ts';
import { ComplianceReportSchema } from '../../shared/schemas/report.ts';

/** The policy in force and how it came about. Kept in storage.local so a restart enforces it at once. */
export const PolicyStateSchema = z.object({
  policy: ExtensionPolicySchema,
  errors: z.array(PolicyErrorSchema).max(50),
  source: PolicySourceSchema,
});
export type PolicyState = z.infer<typeof PolicyStateSchema>;
export const DEFAULT_POLICY_STATE: PolicyState = { policy: POLICY_DEFAULTS, errors: [], source: 'default' };

/** The identity-check gate. `open`: no check needed; `held`: waiting for the invigilator; `released`: checked. */
export const GateStateSchema = z.object({
  state: z.enum(['open', 'held', 'released']),
  /** Who holds it: policy (`requireRelease`, until released) or the console (an explicit `held`). */
  heldBy: z.enum(['policy', 'console']).optional(),
  candidateName: ShortTextSchema.optional(),
  seatLabel: ShortTextSchema.optional(),
  changedAt: IsoDateTimeSchema,
});
export type GateState = z.infer<typeof GateStateSchema>;

/** A message from the invigilator, kept until it has been shown and acknowledged. */
export const CandidateMessageSchema = z.object({
  instructionId: IdSchema,
  text: TextSchema,
  receivedAt: IsoDateTimeSchema,
  shownAt: IsoDateTimeSchema.optional(),
  /** True once `instruction/ack` went to the agent. */
  acked: z.boolean(),
});
export type CandidateMessage = z.infer<typeof CandidateMessageSchema>;

export const KEYS = {
  /** storage.local */
  policy: 'invigil.policy',
  gate: 'invigil.gate',
  messages: 'invigil.messages',
  /** storage.session (cleared when the browser closes) */
  report: 'invigil.report',
  focus: 'invigil.focus',
  downloads: 'invigil.downloads',
} as const;

export const SCHEMAS = {
  [KEYS.policy]: PolicyStateSchema,
  [KEYS.gate]: GateStateSchema,
  [KEYS.messages]: z.array(CandidateMessageSchema).max(50),
  [KEYS.report]: ComplianceReportSchema,
  [KEYS.focus]: z.object({ lostAt: IsoDateTimeSchema.nullable() }),
  [KEYS.downloads]: z.object({ blockedCount: z.number().int().nonnegative() }),
} as const;

type Key = keyof typeof SCHEMAS;
export type Stored<K extends Key> = z.infer<(typeof SCHEMAS)[K]>;

function area(key: Key): chrome.storage.StorageArea {
  return key === KEYS.report || key === KEYS.focus || key === KEYS.downloads
    ? chrome.storage.session
    : chrome.storage.local;
}

/** Reads and validates one value; `undefined` when absent or invalid. */
export async function readStored<K extends Key>(key: K): Promise<Stored<K> | undefined> {
  const raw = (await area(key).get(key))[key];
  return parseStored(key, raw);
}

export function parseStored<K extends Key>(key: K, raw: unknown): Stored<K> | undefined {
  if (raw === undefined) return undefined;
  const result = SCHEMAS[key].safeParse(raw);
  if (!result.success) {
    console.warn(`[invigil] ignoring a stored ${key} that is not valid`, result.error.issues[0]);
    return undefined;
  }
  return result.data as Stored<K>;
}

export async function writeStored<K extends Key>(key: K, value: Stored<K>): Promise<void> {
  await area(key).set({ [key]: value });
}

/** Calls `fn` with each new valid value of `key` (pages use this to follow the worker). */
export function watchStored<K extends Key>(key: K, fn: (value: Stored<K> | undefined) => void): () => void {
  const listener = (changes: Record<string, chrome.storage.StorageChange>, areaName: string) => {
    const change = changes[key];
    const expected = area(key) === chrome.storage.session ? 'session' : 'local';
    if (change && areaName === expected) fn(parseStored(key, change.newValue));
  };
  chrome.storage.onChanged.addListener(listener);
  return () => chrome.storage.onChanged.removeListener(listener);
}
