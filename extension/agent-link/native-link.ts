/**
 * The native-messaging link to the kiosk agent (`invigil native-host`, which relays to the agent).
 * Connects at start and again with backoff whenever the port drops; says `link/hello`; validates
 * every message received against the shared schema and drops (and logs) what fails.
 * The link counts as up only while the host says the agent is reachable (`link/status connected`):
 * until then events stay in the outbox.
 */

import type { Runtime } from 'webextension-polyfill';
import type { ExtensionToHost, HostToExtension } from '../../shared/schemas/native.ts';
import {
  MAX_FROM_EXTENSION_BYTES,
  NATIVE_HOST_NAME,
  NATIVE_PROTOCOL_VERSION,
} from '../../shared/schemas/native-constants.ts';
import { Store } from '../lib/store.ts';
import { check } from '../lib/validate.ts';
import { browser } from '../platform/index.ts';

/** Waits between reconnection attempts; the last one repeats. */
export const BACKOFF_MS = [1000, 2000, 5000, 10_000, 30_000] as const;

export interface LinkDiagnostics {
  /** Why the port last closed (the browser's message), if it did. */
  lastError: string | null;
  /** Messages from the host that failed validation and were dropped. */
  dropped: number;
  /** The last drop's reason. */
  lastDropped: string | null;
  connects: number;
}

export class NativeLink {
  /** Port open and the agent reachable. */
  readonly linked = new Store(false);
  readonly diagnostics: LinkDiagnostics = { lastError: null, dropped: 0, lastDropped: null, connects: 0 };
  #port: Runtime.Port | null = null;
  #attempt = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  readonly #listeners = new Set<(m: HostToExtension) => void>();
  #stopped = false;

  constructor(private readonly hostName = NATIVE_HOST_NAME) {}

  onMessage(fn: (m: HostToExtension) => void, signal?: AbortSignal): void {
    this.#listeners.add(fn);
    signal?.addEventListener('abort', () => this.#listeners.delete(fn), { once: true });
  }

  /** Opens the port unless it is open (and cancels a pending retry: used when the worker wakes). */
  connect(): void {
    if (this.#port || this.#stopped) return;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.diagnostics.connects++;
    let port: Runtime.Port;
    try {
      port = browser.runtime.connectNative(this.hostName);
    } catch (e) {
      this.#closed(e instanceof Error ? e.message : String(e));
      return;
    }
    this.#port = port;
    port.onMessage.addListener((raw: unknown) => this.#received(raw));
    port.onDisconnect.addListener((closed: Runtime.Port) => {
      if (this.#port !== port) return;
      this.#port = null;
      // Firefox puts the reason on the port, Chromium in runtime.lastError.
      const why = closed.error?.message ?? browser.runtime.lastError?.message;
      this.#closed(why ?? 'the native host closed the connection');
    });
    this.send({
      type: 'link/hello',
      protocol: NATIVE_PROTOCOL_VERSION,
      extensionId: browser.runtime.id,
      extensionVersion: browser.runtime.getManifest().version,
    });
  }

  /** Posts a message if the port is open. False when it is not, or the message is too large. */
  send(message: ExtensionToHost): boolean {
    const port = this.#port;
    if (!port) return false;
    // Chromium would drop an oversized message and close the port; refuse it here instead.
    const size = JSON.stringify(message).length;
    if (size > MAX_FROM_EXTENSION_BYTES) {
      console.error(`[invigil] not sending ${message.type}: ${size} bytes is over the limit`);
      return false;
    }
    try {
      port.postMessage(message);
      return true;
    } catch (e) {
      console.warn('[invigil] native port', e);
      return false;
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#port?.disconnect();
    this.#port = null;
    this.linked.set(false);
  }

  #received(raw: unknown): void {
    const result = check('hostToExtension', raw);
    if (!result.ok) {
      const type =
        raw && typeof raw === 'object' && 'type' in raw ? String((raw as { type: unknown }).type) : '?';
      this.diagnostics.dropped++;
      this.diagnostics.lastDropped = `${type.slice(0, 64)}: ${result.error}`;
      console.warn(`[invigil] dropped a message from the native host (${this.diagnostics.lastDropped})`);
      return;
    }
    const message = result.value;
    // A valid message means the host works: the next drop retries quickly again.
    this.#attempt = 0;
    if (message.type === 'link/status') this.linked.set(message.agent === 'connected');
    if (message.type === 'link/error')
      console.warn('[invigil] the native host refused a message:', message.error);
    for (const fn of [...this.#listeners]) {
      try {
        fn(message);
      } catch (e) {
        console.error('[invigil] native message handler', e);
      }
    }
  }

  #closed(reason: string): void {
    this.diagnostics.lastError = reason;
    this.linked.set(false);
    if (this.#stopped) return;
    const wait = BACKOFF_MS[Math.min(this.#attempt, BACKOFF_MS.length - 1)] ?? 30_000;
    this.#attempt++;
    this.#retry = setTimeout(() => this.connect(), wait);
  }
}
