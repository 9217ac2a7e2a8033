/**
 * The console's HTTP server: the API (sign-in required, CSRF-safe writes, bounded bodies, errors
 * that name the field), the built dashboard, and two WebSocket endpoints: `/seat` for seats (the
 * seat protocol) and `/api/live` for dashboards.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { openApiDocument } from '../../shared/api/openapi.ts';
import { SEAT_SOCKET_PATH } from '../../shared/schemas/protocol.ts';
import { attemptRoutes } from './attempts/attempt-routes.ts';
import { authRoutes } from './auth/auth-routes.ts';
import { sha256 } from './auth.ts';
import { type ConsoleContext, SESSION_COOKIE, type Session } from './context.ts';
import { handsAndPausesRoutes } from './hands-and-pauses/hands-and-pauses-routes.ts';
import { helpRoutes } from './help/help-routes.ts';
import { HttpError } from './http-error.ts';
import { boundedJsonBodies } from './json-body.ts';
import { LiveHub } from './live.ts';
import { connectLiveNotices } from './live-notices.ts';
import type { Logger } from './logger.ts';
import { recordRoutes } from './record/record-routes.ts';
import { anomalyRoutes } from './report/anomaly-routes.ts';
import { serve, zodRouteSchemas } from './route-table.ts';
import { noticeRoutes } from './seats/notice-routes.ts';
import { SeatHub, type SeatHubOptions } from './seats/seat-hub.ts';
import { seatRoutes } from './seats/seat-routes.ts';
import { RefusalAuditor, SignInThrottle } from './sign-in-throttle.ts';
import { siteRoutes } from './sites/site-routes.ts';
import { siteScope } from './sites/site-scope.ts';
import { sittingRoutes } from './sittings/sitting-routes.ts';
import type { Store } from './store/store.ts';
import { TrustedProxies } from './trusted-proxy.ts';

export const BODY_LIMIT_BYTES = 256 * 1024;
export const LIVE_PATH = '/api/live';

export interface ConsoleAppOptions {
  store: Store;
  log: Logger;
  /** The built dashboard (dist/dashboard); found next to the bundle or the repository by default. */
  dashboardDir?: string;
  seats?: SeatHubOptions;
  /** How often dashboards get coalesced seat updates. */
  livePushMs?: number;
  /** Serve HTTPS (and WSS for seats) with this certificate and key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Addresses (or networks) of a TLS-terminating proxy in front of the console (`--trust-proxy`). */
  trustProxy?: readonly string[];
}

export interface ConsoleApp {
  app: FastifyInstance;
  ctx: ConsoleContext;
  close(): Promise<void>;
}

function findDashboard(): string | undefined {
  const here = import.meta.dirname;
  // Built: this code is in dist/cli/invigil.js or one of its chunks (dist/cli/chunks/); from source:
  // invigilator/server/.
  const candidates = [
    join(here, '../dashboard'),
    join(here, '../../dashboard'),
    resolve(here, '../../dist/dashboard'),
  ];
  for (const dir of candidates) {
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Called by agents (no browser, no cookie): exempt from the Origin check. */
const NO_ORIGIN_PATHS = new Set(['/api/seats/enrol']);

/** A write from a browser must come from the console's own pages: Origin must name this host. */
function sameOrigin(
  req: { headers: Record<string, string | string[] | undefined> },
  host: string | undefined,
): boolean {
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || typeof host !== 'string') return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export async function buildConsoleApp(options: ConsoleAppOptions): Promise<ConsoleApp> {
  const { store, log } = options;
  const proxies = new TrustedProxies(options.trustProxy ?? []);
  // Listening for the other console processes on the database starts before anything is read, so
  // that no change made meanwhile goes unnoticed (issue 12; a loopback on SQLite).
  const bus = options.seats?.bus ?? (await store.openLiveBus(log.child({ part: 'live-bus' })));
  let hub: SeatHub;
  let live: LiveHub;
  try {
    hub = new SeatHub(store, log.child({ part: 'seats' }), {
      ...options.seats,
      bus,
      clientAddress: (req) => proxies.clientAddress(req),
    });
    live = new LiveHub(hub, log.child({ part: 'live' }), options.livePushMs);
    live.siteOfSitting = async (id) => (await store.getSitting(id))?.siteId;
    connectLiveNotices(bus, hub, live, store, log.child({ part: 'live-bus' }));
    await hub.init();
  } catch (error) {
    await bus.close();
    throw error;
  }
  // One centre per database: refusals that nobody signed in caused are audited against it.
  const { centre } = await store.ensureCentre();
  const system = { centreId: centre.id, invigilatorId: null };
  const auditRefusal = async (action: string, subject: string | null, details: Record<string, unknown>) => {
    try {
      await store.audit(system, action, subject, details);
    } catch (error) {
      log.error({ err: error, action }, 'could not audit a refusal');
    }
  };
  const refusals = new RefusalAuditor(
    async (rows) => {
      for (const r of rows) await auditRefusal(r.action, r.subject, r.details);
    },
    (error) => log.error({ err: error }, 'could not audit refusals'),
  );
  const ctx: ConsoleContext = {
    store,
    hub,
    live,
    log,
    signInThrottle: new SignInThrottle(),
    refusals,
    auditRefusal,
    behindTlsProxy: proxies.entries.length > 0,
  };

  const app = Fastify({
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
    loggerInstance: log.child({ part: 'http' }) as FastifyBaseLogger,
    // Requests are not logged one by one (10,000 seats); refusals and failures are.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: proxies.entries.length > 0 ? [...proxies.entries] : false,
  });
  // JSON only: a form or text/plain body (which a foreign page can send without a preflight) is refused.
  app.removeContentTypeParser(['text/plain']);
  boundedJsonBodies(app, BODY_LIMIT_BYTES);
  zodRouteSchemas(app);
  app.decorateRequest('session', null);
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    onExceeded: (req) =>
      refusals.note(
        'request.refused-rate-limited',
        `${req.method} ${req.url.split('?')[0]}`,
        req.ip,
        'too many attempts from this address',
      ),
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      error: `Too many attempts: wait ${Math.ceil(context.ttl / 1000)} seconds and try again.`,
    }),
  });

  async function resolveSession(req: FastifyRequest): Promise<Session | null> {
    const token = req.cookies[SESSION_COOKIE];
    if (!token) return null;
    const tokenHash = sha256(token);
    const row = await store.getSession(tokenHash);
    if (!row || Date.parse(row.expiresAt) < Date.now()) return null;
    const inv = await store.getInvigilator(row.invigilatorId);
    if (!inv) return null;
    return {
      tokenHash,
      centreId: inv.centreId,
      invigilatorId: inv.id,
      name: inv.name,
      role: inv.role,
      siteId: inv.siteId,
    };
  }

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header(
      'content-security-policy',
      "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    if (!req.url.startsWith('/api/')) return;
    reply.header('cache-control', 'no-store');
    if (
      WRITE_METHODS.has(req.method) &&
      !NO_ORIGIN_PATHS.has(req.url.split('?')[0] ?? '') &&
      !sameOrigin(req, proxies.host(req.raw))
    ) {
      log.warn({ remote: req.ip, url: req.url, origin: req.headers.origin }, 'cross-site write refused');
      throw new HttpError(403, 'Refused: this request did not come from the console’s own page.');
    }
    req.session = await resolveSession(req);
  });

  app.setErrorHandler((error, req, reply) => {
    if (error instanceof HttpError) {
      return reply
        .code(error.statusCode)
        .send({ error: error.message, ...(error.field ? { field: error.field } : {}) });
    }
    const e = error as { statusCode?: number; code?: string; message?: string };
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .send({ error: `The request body is larger than ${BODY_LIMIT_BYTES / 1024} KB.` });
    }
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send({ error: 'Send the body as application/json.' });
    }
    if (
      e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      e instanceof SyntaxError
    ) {
      return reply.code(400).send({ error: 'The body is not valid JSON.' });
    }
    if (e.statusCode === 429) return reply.code(429).send({ error: e.message });
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.code(e.statusCode).send({ error: e.message ?? 'Bad request.' });
    }
    log.error({ err: error, url: req.url }, 'request failed');
    return reply.code(500).send({ error: 'Something went wrong in the console; the log has the details.' });
  });

  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/'))
      return reply.code(404).send({ error: `No such endpoint: ${req.method} ${req.url.split('?')[0]}` });
    return reply.code(404).type('text/plain').send('Not found');
  });

  authRoutes(app, ctx);
  seatRoutes(app, ctx);
  sittingRoutes(app, ctx);
  recordRoutes(app, ctx);
  noticeRoutes(app, ctx);
  // Issue 13: summon help, attempts and results, the quality assurer's anomaly report.
  helpRoutes(app, ctx);
  attemptRoutes(app, ctx);
  anomalyRoutes(app, ctx);
  handsAndPausesRoutes(app, ctx);
  siteRoutes(app, ctx);
  // How late the console's event loop runs: the first sign of overload (sampled since the last reset).
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  serve(app, 'resetHealth', async () => {
    loopDelay.reset();
    return { ok: true as const };
  });
  // Counts only (no names): for monitoring and the benchmarks.
  serve(app, 'health', async () => ({
    ok: true as const,
    seatsConnected: hub.connectedCount(),
    dashboards: live.dashboards,
    seatMessages: hub.stats.messages,
    seatEventsStored: hub.stats.eventsStored,
    refusedConnections: hub.stats.refused,
    refusedConnectionsByReason: { ...hub.stats.refusedByReason },
    liveChannel: {
      shared: bus.shared,
      sent: bus.stats.sent,
      received: bus.stats.received,
      own: bus.stats.own,
      bad: bus.stats.refused,
      reconnects: bus.stats.reconnects,
      sendFailures: bus.stats.sendFailures,
    },
    database: { engine: store.engine, ...store.dbStats },
    seatEventWrites: {
      batches: hub.stats.eventWrites.batches,
      msTotal: Math.round(hub.stats.eventWrites.msTotal),
      msMax: Math.round(hub.stats.eventWrites.msMax),
      largestBatch: hub.stats.eventWrites.largest,
      queueMax: hub.stats.eventWrites.queueMax,
    },
    seatsPausedOverBudget: hub.stats.pauses,
    socketsDroppedNotReading: hub.stats.dropped + live.stats.dropped,
    eventLoopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e6),
    eventLoopDelayMaxMs: Math.round(loopDelay.max / 1e6),
  }));
  // The route table as OpenAPI 3.1, for a centre's own tools (the same text as docs/openapi.json).
  const openapi = openApiDocument();
  serve(app, 'openapi', async () => openapi);

  const dashboardDir = options.dashboardDir ?? findDashboard();
  if (dashboardDir) {
    await app.register(fastifyStatic, { root: dashboardDir, prefix: '/', index: ['index.html'] });
  } else {
    app.get('/', async (_req, reply) =>
      reply
        .type('text/plain')
        .send('The dashboard is not built: run `npm run build`, then restart the console.'),
    );
  }

  app.server.on('upgrade', (req, socket, head) => {
    // A peer that resets mid-upgrade must not be an unhandled 'error' (that would end the process).
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path === SEAT_SOCKET_PATH) {
      hub.handleUpgrade(req, socket, head);
      return;
    }
    if (path === LIVE_PATH) {
      // Browsers always send Origin on WebSocket requests: refuse other sites (cross-site WebSocket hijacking).
      if (!sameOrigin(req, proxies.host(req))) {
        log.warn(
          { remote: req.socket.remoteAddress, origin: req.headers.origin },
          'dashboard socket refused: origin',
        );
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
        return;
      }
      const token = app.parseCookie(req.headers.cookie ?? '')[SESSION_COOKIE];
      void (async () => {
        const row = token ? await store.getSession(sha256(token)) : undefined;
        const inv =
          row && Date.parse(row.expiresAt) > Date.now()
            ? await store.getInvigilator(row.invigilatorId)
            : undefined;
        if (!inv) {
          socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
          return;
        }
        live.handleUpgrade(req, socket, head, {
          centreId: inv.centreId,
          invigilatorId: inv.id,
          tokenHash: sha256(token ?? ''),
          sites: siteScope(inv),
        });
      })().catch((error: unknown) => {
        log.error({ err: error }, 'dashboard socket failed');
        socket.destroy();
      });
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });

  return {
    app,
    ctx,
    async close() {
      loopDelay.disable();
      live.close();
      await hub.close();
      await bus.close();
      await app.close();
      await refusals.close();
    },
  };
}
