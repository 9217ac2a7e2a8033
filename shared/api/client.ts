import { ApiErrorSchema } from '../schemas/console-api.ts';
import {
  type ApiRoute,
  apiRoutes,
  fillPath,
  type RouteInput,
  type RouteName,
  type RouteOutput,
} from './routes.ts';

/**
 * The one typed client of the console's HTTP API, used by the dashboard, the demo and the tests. It
 * takes a `fetch` (the browser's, or one that keeps a cookie jar and sets Origin, as the demo's and the
 * tests' do), builds the request from the route table, and checks the answer against the route's
 * response schema, so a caller never casts JSON.
 */

/** A refusal from the console (any status outside 2xx), with its one readable line. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly route?: string,
    /** The refusal's whole body when its route declares more than a message for it (`refusals`). */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string | null },
) => Promise<{ status: number; ok: boolean; text(): Promise<string> }>;

export interface ApiClientOptions {
  /** Prepended to every path ('' in the dashboard, which is served by the console). */
  baseUrl?: string;
}

export interface ApiClient {
  call<N extends RouteName>(
    name: N,
    ...input: object extends RouteInput<ApiRoutes[N]>
      ? [RouteInput<ApiRoutes[N]>?]
      : [RouteInput<ApiRoutes[N]>]
  ): Promise<RouteOutput<ApiRoutes[N]>>;
}
type ApiRoutes = typeof apiRoutes;

/** The request a route's call becomes: method, path with its query, JSON body. */
export function requestFor(
  r: ApiRoute,
  input: { params?: unknown; query?: unknown; body?: unknown } = {},
): { method: string; path: string; body: string | null } {
  let path = fillPath(r.path, input.params as Record<string, unknown> | undefined);
  if (input.query && typeof input.query === 'object') {
    const text = Object.entries(input.query)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    if (text) path += `?${text}`;
  }
  // A write always carries a JSON body (the console refuses other types), `{}` when the route takes none.
  const body = r.method === 'GET' ? null : JSON.stringify(input.body ?? {});
  return { method: r.method, path, body };
}

/**
 * The address of a route that the browser opens itself (a CSV download link): built from the table, so
 * a link cannot drift from the route.
 */
export function pathFor<N extends RouteName>(name: N, input: RouteInput<ApiRoutes[N]>): string {
  return requestFor(apiRoutes[name], input).path;
}

export function createApiClient(fetchFn: FetchLike, options: ApiClientOptions = {}): ApiClient {
  const base = options.baseUrl ?? '';
  return {
    async call(name, ...args) {
      const r: ApiRoute = apiRoutes[name];
      const req = requestFor(r, (args[0] ?? {}) as { params?: unknown; query?: unknown; body?: unknown });
      const res = await fetchFn(`${base}${req.path}`, {
        method: req.method,
        headers: req.body === null ? {} : { 'content-type': 'application/json' },
        body: req.body,
      });
      const text = await res.text();
      if (!res.ok) throw refusal(res.status, text, `${r.method} ${r.path}`, r);
      if (r.produces) return text as RouteOutput<ApiRoutes[typeof name]>;
      let data: unknown;
      try {
        data = text ? JSON.parse(text) : {};
      } catch {
        throw new ApiError(res.status, `${r.method} ${r.path}: the console's answer is not JSON.`);
      }
      const schema = r.responses[res.status as keyof typeof r.responses];
      if (!schema)
        throw new ApiError(
          res.status,
          `${r.method} ${r.path}: the console answered ${res.status}, not documented.`,
        );
      const parsed = schema.safeParse(data);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ApiError(
          res.status,
          `${r.method} ${r.path}: the console's answer does not match its schema (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}).`,
        );
      }
      return parsed.data as RouteOutput<ApiRoutes[typeof name]>;
    },
  };
}

function refusal(status: number, text: string, route: string, r: ApiRoute): ApiError {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  const declared = r.refusals?.[status as keyof NonNullable<ApiRoute['refusals']>]?.safeParse(data);
  const parsed = ApiErrorSchema.safeParse(data);
  if (parsed.success)
    return new ApiError(
      status,
      parsed.data.error,
      parsed.data.field,
      route,
      declared?.success ? declared.data : undefined,
    );
  return new ApiError(
    status,
    text.trim().slice(0, 300) || `The console answered ${status}.`,
    undefined,
    route,
  );
}
