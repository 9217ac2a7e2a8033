/**
 * The demo talks to its console the way the dashboard does: the one typed client of the console's API
 * (shared/api/client.ts) with a session cookie and an Origin naming the console (which the console
 * requires on every write). No back door: setup goes through the one-time setup link the console
 * printed, as it would for a person.
 */
import { ApiError, createApiClient } from '../shared/api/client.ts';

export class ConsoleApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ConsoleApiError';
  }
}

export class ConsoleApi {
  private cookie: string | null = null;
  private readonly client;

  constructor(readonly baseUrl: string) {
    this.client = createApiClient(
      async (url, init) => {
        const headers: Record<string, string> = { ...init.headers };
        if (this.cookie) headers.cookie = this.cookie;
        if (init.method !== 'GET') headers.origin = this.baseUrl;
        const res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(15_000) });
        const setCookie = res.headers.get('set-cookie');
        if (setCookie) this.cookie = setCookie.split(';')[0] ?? null;
        return res;
      },
      { baseUrl },
    );
  }

  /** Calls a route of the console's table by name; a refusal names the route and the console's reason. */
  call: ReturnType<typeof createApiClient>['call'] = async (...args) => {
    try {
      return await this.client.call(...args);
    } catch (error) {
      if (error instanceof ApiError)
        throw new ConsoleApiError(error.status, `${error.route ?? args[0]}: ${error.message}`);
      throw error;
    }
  };
}
