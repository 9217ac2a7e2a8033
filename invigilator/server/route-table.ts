/**
 * The console's routes come from the route table in shared/api/routes.ts: each is registered with its
 * zod schemas as Fastify route schemas, so Fastify validates params, query and body before the handler
 * runs (a 400 naming the field, as `parseInput` always did) and serialises each answer through its
 * response schema (whatever the schema does not list never leaves the console; an answer that does not
 * match is a 500 with the mismatch in the log, never a half-documented reply). Who may call a route
 * (public, signed-in, coordinator) is checked before its input is even looked at.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { z } from 'zod';
import {
  type ApiRoute,
  apiRoutes,
  type RouteAnswer,
  type RouteName,
  type RouteParsed,
  successStatus,
} from '../../shared/api/routes.ts';
import { excerpt } from '../../shared/schemas/bounded-json.ts';
import { type Session, signedIn } from './context.ts';
import { HttpError, inputError } from './http-error.ts';
import { centreWide } from './sites/site-scope.ts';

type Routes = typeof apiRoutes;

/** What a handler gets: the validated input, and the session its route's access level guarantees. */
export type RouteRequest<R extends ApiRoute> = RouteParsed<R> & {
  session: R['access'] extends 'public' ? Session | null : Session;
};

export type RouteHandler<R extends ApiRoute> = (
  input: RouteRequest<R>,
  req: FastifyRequest,
  reply: FastifyReply,
) => Promise<RouteAnswer<R> | FastifyReply>;

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path' };

/** zod as Fastify's validator and serialiser for every route schema of this app. */
export function zodRouteSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const zod = schema as z.ZodType;
    const what = PART_NAMES[httpPart ?? 'body'] ?? 'body';
    return (data: unknown) => {
      const result = zod.safeParse(data ?? {});
      return result.success ? { value: result.data } : { error: inputError(result.error, what) };
    };
  });
  app.setSerializerCompiler(({ schema, method, url }) => {
    const zod = schema as z.ZodType;
    return (data: unknown) => {
      const result = zod.safeParse(data);
      if (!result.success) {
        const issue = result.error.issues[0];
        throw new Error(
          `the answer to ${method} ${url} does not match its response schema: ${excerpt(issue?.path.join('.') || '(root)', 100)}: ${excerpt(issue?.message ?? 'invalid', 200)}`,
        );
      }
      return JSON.stringify(result.data);
    };
  });
}

/** 401 or 403 before anything else when the caller may not use this route. */
export function checkAccess(r: ApiRoute, req: FastifyRequest): void {
  if (r.access === 'public') return;
  const s = signedIn(req);
  if (r.access === 'coordinator' && s.role !== 'coordinator')
    throw new HttpError(403, 'Only a centre coordinator can do this.');
  if (r.access === 'centre-coordinator' && !centreWide(s))
    throw new HttpError(
      403,
      s.role === 'coordinator'
        ? 'Only the centre coordinator can do this: a site’s own coordinator works within that site.'
        : 'Only a centre coordinator can do this.',
    );
}

/**
 * Registers the route named `name` in the table. `options` carries what is Fastify's own business
 * (rate-limit configuration); method, path and schemas come from the table only.
 */
export function serve<N extends RouteName>(
  app: FastifyInstance,
  name: N,
  handler: RouteHandler<Routes[N]>,
  options: Pick<RouteShorthandOptions, 'config'> = {},
): void {
  const r: ApiRoute = apiRoutes[name];
  const status = successStatus(r);
  app.route({
    method: r.method,
    url: r.path,
    ...options,
    schema: {
      ...(r.params ? { params: r.params } : {}),
      ...(r.query ? { querystring: r.query } : {}),
      ...(r.body ? { body: r.body } : {}),
      // A text answer (the record's CSV) is sent as it is.
      ...(r.produces ? {} : { response: r.responses }),
    },
    preValidation: async (req) => checkAccess(r, req),
    handler: async (req, reply) => {
      reply.code(status);
      const input = {
        params: r.params ? req.params : undefined,
        query: r.query ? req.query : undefined,
        body: r.body ? req.body : undefined,
        session: req.session,
      } as RouteRequest<Routes[N]>;
      return handler(input, req, reply);
    },
  });
}
