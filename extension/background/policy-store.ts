/**
 * The policy in force. At start the last good policy is read from storage.local (it was valid
 * when stored) and enforced; managed policy is applied whenever it arrives: the first
 * `storage.managed.get()` may take seconds (Chromium hands extension policy over after its
 * start-up tasks), so nothing waits for it, and later changes come as `storage.onChanged`.
 */

import type { Storage } from 'webextension-polyfill';
import { parsePolicy } from '../../shared/rules/policy.ts';
import type { NewSeatEvent } from '../features/feature.ts';
import { on } from '../lib/chrome-events.ts';
import { jsonEqual, Store } from '../lib/store.ts';
import { DEFAULT_POLICY_STATE, KEYS, type PolicyState, readStored, writeStored } from '../lib/stored.ts';
import { browser } from '../platform/index.ts';

export class PolicyStore {
  readonly state = new Store<PolicyState>(DEFAULT_POLICY_STATE);
  #queue: Promise<void> = Promise.resolve();

  constructor(private readonly log: (event: NewSeatEvent) => Promise<void>) {}

  /** Listens for managed policy (synchronously, so a change that wakes the worker is seen). */
  listen(signal: AbortSignal): void {
    on(
      browser.storage.onChanged,
      (_changes: Record<string, Storage.StorageChange>, area: string) => {
        if (area !== 'managed') return;
        // onChanged carries only the changed keys: read the whole managed policy again.
        void this.#enqueue(async () => this.#apply(await browser.storage.managed.get()));
      },
      signal,
    );
  }

  /**
   * Reads the stored last good policy; call once at start, before enforcing anything else. Queued
   * like every change, so a managed policy that arrives meanwhile is applied on top of it, not under it.
   */
  load(): Promise<void> {
    return this.#enqueue(async () => {
      const stored = await readStored(KEYS.policy).catch(() => undefined);
      if (stored) this.state.set(stored);
    });
  }

  /** Asks for managed policy without waiting for it: it is applied whenever it comes. */
  fetchManaged(): void {
    void this.#enqueue(async () => {
      let raw: unknown;
      try {
        raw = await browser.storage.managed.get();
      } catch (e) {
        // No managed storage at all (no schema, or an unsupported browser): keep what is in force.
        console.warn('[invigil] managed policy unavailable', e);
        return;
      }
      await this.#apply(raw);
    });
  }

  #enqueue(job: () => Promise<void>): Promise<void> {
    this.#queue = this.#queue.then(job).catch((e) => console.error('[invigil] policy', e));
    return this.#queue;
  }

  async #apply(raw: unknown): Promise<void> {
    const before = this.state.get();
    // An empty managed area means no policy: the defaults, not "keep the last one".
    const input = raw && typeof raw === 'object' && Object.keys(raw).length === 0 ? undefined : raw;
    const result = parsePolicy(input, before.policy);
    const next: PolicyState = { policy: result.policy, errors: result.errors, source: result.source };
    if (jsonEqual(next, before)) return;
    await writeStored(KEYS.policy, next);
    this.state.set(next);
    if (result.errors.length > 0 && !jsonEqual(result.errors, before.errors)) {
      await this.log({ type: 'event/policy-rejected', errors: result.errors.slice(0, 50) });
    }
    if (!jsonEqual(next.policy, before.policy) || next.source !== before.source) {
      await this.log({
        type: 'event/policy-applied',
        source: next.source,
        allowedHosts: next.policy.allowedHosts,
      });
    }
  }
}
