/**
 * Adds a listener to a browser.* event and removes it when `signal` aborts: the cleanup half of
 * the feature contract. Call it synchronously while the worker starts: the browser delivers the event
 * that woke a stopped worker (or Firefox's event page) only to listeners added in its first turn.
 */
// biome-ignore lint/suspicious/noExplicitAny: chrome's event types are generic over any callback.
type Callback = (...args: any[]) => unknown;

interface ChromeEvent<T extends Callback, F extends unknown[]> {
  addListener(callback: T, ...filter: F): void;
  removeListener(callback: T): void;
}

export function on<T extends Callback, F extends unknown[]>(
  event: ChromeEvent<T, F>,
  callback: T,
  signal: AbortSignal,
  ...filter: F
): void {
  event.addListener(callback, ...filter);
  signal.addEventListener('abort', () => event.removeListener(callback), { once: true });
}
