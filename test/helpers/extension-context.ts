/**
 * Unit tests only (vitest.config.ts, `setupFiles` of the unit project). webextension-polyfill, which the
 * extension's browser adapter (extension/platform/) imports, refuses to load outside an extension: it
 * checks `chrome.runtime.id` when the module is evaluated. Unit tests import the extension's modules to
 * test their pure parts and never call the browser, so they get an extension-shaped global to load
 * against, nothing more: a call into it fails. Everything that drives the extension runs in a real
 * browser (test/e2e/).
 */
const g = globalThis as { chrome?: unknown };
g.chrome ??= { runtime: { id: 'invigil-unit-tests' } };
