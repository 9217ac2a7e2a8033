/**
 * What differs between the browsers the extension runs in, as one small interface (the browser
 * adapter). Everything else is shared: the features call the promise-based `browser.*` API
 * (webextension-polyfill) and ask `platform` only for these.
 */
import type { Types } from 'webextension-polyfill';
import type { ComplianceReport } from '../../shared/schemas/report.ts';
import type { PrivacySettingKey } from '../features/compliance-report/build.ts';

export type BrowserInfo = ComplianceReport['browser'];

/** Something the browser gives extensions no way to read, so the extension cannot prove it. */
export type Unprovable = 'autofill' | 'browser-services' | 'displays';

export interface DisplayApi {
  count(): Promise<number>;
  /** Calls `fn` whenever the browser says the displays changed, until `signal` aborts. */
  listen(fn: () => void, signal: AbortSignal): void;
}

export interface Platform {
  /** Which build this is. */
  readonly target: 'chromium' | 'firefox';
  /** The browser's name as people know it ("Chromium", "Firefox"). */
  readonly name: string;
  /** Its name and version, for the report. */
  browserInfo(): Promise<BrowserInfo>;
  /** The privacy settings this browser lets an extension turn off and read back, by our names. */
  privacySettings(): Partial<Record<PrivacySettingKey, Types.Setting>>;
  /**
   * What this browser gives extensions no way to read, each with what keeps it safe instead (said in
   * the report as a note, never passed silently).
   */
  readonly unprovable: Partial<Record<Unprovable, string>>;
  /** How many displays the browser sees; null where it has no such API. */
  readonly displays: DisplayApi | null;
  /** Whether a navigation error (webNavigation.onErrorOccurred's `error`) is the browser's policy refusing the address. */
  refusedByPolicy(error: string | undefined): boolean;
  /** The origin of the page or worker that made a request, from webRequest's details. */
  initiator(details: { initiator?: string; originUrl?: string }): string | undefined;
  /** Browser pages the new-tab override stands for (a tab may report the override by this address). */
  readonly ownBrowserUrls: readonly string[];
  /**
   * The filter for windows.onCreated that makes it report every kind of window (Chromium reports only
   * normal windows without one); none where the event takes no filter (Firefox: adding the listener with
   * one fails, "Incorrect argument types", and reports every window anyway).
   */
  readonly everyWindowFilter: readonly [{ windowTypes: string[] }] | readonly [];
  /** Extension stores' pages, where no extension may act: only the tab watcher keeps the candidate out. */
  readonly storePages: readonly { host: string; path: string }[];
}
