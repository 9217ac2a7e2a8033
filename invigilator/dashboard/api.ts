/**
 * The console's API from the dashboard: the one typed client (shared/api/client.ts) over the browser's
 * fetch with the session cookie; errors are one readable line (`ApiError`).
 */
import { ApiError, createApiClient, pathFor } from '../../shared/api/client.ts';

export { ApiError, pathFor };

/** Called when the console says the session has ended (401), to show the sign-in page. */
let onSignedOut: () => void = () => undefined;
export function setSignedOutHandler(fn: () => void): void {
  onSignedOut = fn;
}

/**
 * Counts sign-ins and sign-outs. A 401 means "signed out" only for a request sent in the current
 * session: the page's first "who am I?" goes out beside a sign-in link's own request, and on a busy
 * machine its 401 can arrive after the sign-in has finished.
 */
let generation = 0;
const SESSION_ROUTES: ReadonlySet<string> = new Set(['signIn', 'useSignInLink', 'completeSetup', 'signOut']);
export function sessionGeneration(): number {
  return generation;
}

const client = createApiClient((url, init) => fetch(url, { ...init, credentials: 'same-origin' }));

/** Calls a route of the table by name: `call('getSitting', { params: { id } })`. */
export const call: typeof client.call = async (name, ...args) => {
  const sentIn = generation;
  try {
    const out = await client.call(name, ...args);
    if (SESSION_ROUTES.has(name)) generation += 1;
    return out;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && name !== 'signIn' && sentIn === generation)
      onSignedOut();
    throw error;
  }
};
