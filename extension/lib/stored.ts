/**
 * What the extension keeps in `browser.storage`. The worker writes; the pages read (they may open while
 * the worker is stopped) and listen to `storage.onChanged`. Everything read back is validated
 * (schemas in schemas.ts): a value that fails is treated as absent, never trusted.
 */

import type { Storage } from 'webextension-polyfill';
import { POLICY_DEFAULTS } from '../../shared/rules/policy.ts';
import { browser } from '../platform/index.ts';
import type {
  CandidateMessage,
  GateState,
  HandState,
  PolicyState,
  Validated,
  ValidatedName,
} from './schemas.ts';
import { check } from './validate.ts';

export type { CandidateMessage, GateState, HandState, PolicyState };

export const DEFAULT_POLICY_STATE: PolicyState = { policy: POLICY_DEFAULTS, errors: [], source: 'default' };

export const KEYS = {
  /** storage.local */
  policy: 'invigil.policy',
  gate: 'invigil.gate',
  messages: 'invigil.messages',
  /** storage.session (cleared when the browser closes) */
  report: 'invigil.report',
  focus: 'invigil.focus',
  downloads: 'invigil.downloads',
  hand: 'invigil.hand',
} as const;

/** The schema (by its name in schemas.ts) each key's value must match. */
const SCHEMA_OF = {
  [KEYS.policy]: 'policyState',
  [KEYS.gate]: 'gate',
  [KEYS.messages]: 'messages',
  [KEYS.report]: 'report',
  [KEYS.focus]: 'focus',
  [KEYS.downloads]: 'downloads',
  [KEYS.hand]: 'hand',
} as const satisfies Record<string, ValidatedName>;

type Key = keyof typeof SCHEMA_OF;
export type Stored<K extends Key> = Validated<(typeof SCHEMA_OF)[K]>;

function area(key: Key): Storage.StorageArea {
  return key === KEYS.report || key === KEYS.focus || key === KEYS.downloads || key === KEYS.hand
    ? browser.storage.session
    : browser.storage.local;
}

/** Reads and validates one value; `undefined` when absent or invalid. */
export async function readStored<K extends Key>(key: K): Promise<Stored<K> | undefined> {
  const raw = (await area(key).get(key))[key];
  return parseStored(key, raw);
}

export function parseStored<K extends Key>(key: K, raw: unknown): Stored<K> | undefined {
  if (raw === undefined) return undefined;
  const result = check(SCHEMA_OF[key], raw);
  if (!result.ok) {
    console.warn(`[invigil] ignoring a stored ${key} that is not valid: ${result.error}`);
    return undefined;
  }
  return result.value as Stored<K>;
}

export async function writeStored<K extends Key>(key: K, value: Stored<K>): Promise<void> {
  await area(key).set({ [key]: value });
}

/** Calls `fn` with each new valid value of `key` (pages use this to follow the worker). */
export function watchStored<K extends Key>(key: K, fn: (value: Stored<K> | undefined) => void): () => void {
  const listener = (changes: Record<string, Storage.StorageChange>, areaName: string) => {
    const change = changes[key];
    const expected = area(key) === browser.storage.session ? 'session' : 'local';
    if (change && areaName === expected) fn(parseStored(key, change.newValue));
  };
  browser.storage.onChanged.addListener(listener);
  return () => browser.storage.onChanged.removeListener(listener);
}
