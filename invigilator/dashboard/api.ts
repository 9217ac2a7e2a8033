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

const client = createApiClient((url, init) => fetch(url, { ...init, credentials: 'same-origin' }), {
  onError: (error, route) => {
    if (error.status === 401 && route !== 'signIn') onSignedOut();
  },
});

/** Calls a route of the table by name: `call('getSitting', { params: { id } })`. */
export const call = client.call;
