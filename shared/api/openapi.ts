import { z } from 'zod';
import {
  ApiErrorSchema,
  AuditEntrySchema,
  EnrolmentCodeViewSchema,
  HealthSchema,
  IncidentViewSchema,
  InvigilationRecordSchema,
  InvigilatorViewSchema,
  RefusalNoticeViewSchema,
  ReplacementViewSchema,
  RuleWarningSchema,
  SeatViewSchema,
  SignInLinkViewSchema,
  SittingEntryViewSchema,
  SittingViewSchema,
} from '../schemas/console-api.ts';
import { EnrolResponseSchema } from '../schemas/protocol.ts';
import { type ApiRoute, apiRoutes } from './routes.ts';

/**
 * The OpenAPI 3.1 document of the console's HTTP API, generated from the route table (zod 4's own
 * `z.toJSONSchema`, JSON Schema 2020-12, which OpenAPI 3.1 uses as is). The console serves it at
 * `/api/openapi.json`; `npm run api:openapi` writes it to docs/openapi.json, and a test fails when the
 * two differ.
 */

export const OPENAPI_VERSION = '3.1.0';
/** The API's own version: raised when a route or schema changes in a way a caller would notice. */
export const API_VERSION = '1.0.0';

type Json = Record<string, unknown>;

/** Schemas that many answers share: one entry each under components.schemas, referred to by $ref. */
const named = z.registry<{ id: string }>();
for (const [id, schema] of Object.entries({
  ApiError: ApiErrorSchema,
  AuditEntry: AuditEntrySchema,
  EnrolmentCode: EnrolmentCodeViewSchema,
  EnrolResponse: EnrolResponseSchema,
  Health: HealthSchema,
  Incident: IncidentViewSchema,
  InvigilationRecord: InvigilationRecordSchema,
  Invigilator: InvigilatorViewSchema,
  RefusalNotice: RefusalNoticeViewSchema,
  Replacement: ReplacementViewSchema,
  RuleWarning: RuleWarningSchema,
  Seat: SeatViewSchema,
  SignInLink: SignInLinkViewSchema,
  Sitting: SittingViewSchema,
  SittingEntry: SittingEntryViewSchema,
})) {
  named.add(schema, { id });
}

/** Replaces every `#/$defs/X` reference with `#/components/schemas/<rename(X)>`. */
function relink(value: unknown, rename: (id: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => relink(v, rename));
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')
        ? `#/components/schemas/${rename(v.slice('#/$defs/'.length))}`
        : relink(v, rename);
  }
  return out;
}

/** Converts schemas for one document, collecting the shared ones into `components`. */
class SchemaSet {
  readonly components: Record<string, Json> = {};

  convert(schema: z.ZodType, io: 'input' | 'output'): Json {
    const {
      $schema: _drop,
      $defs,
      ...rest
    } = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      metadata: named,
    }) as Json;
    // A shared schema seen as a request body can differ from the answer (defaults are optional there).
    const rename = (id: string) => (io === 'input' ? `${id}Input` : id);
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, Json>)) {
      const name = rename(id);
      const linked = relink(def, rename) as Json;
      const before = this.components[name];
      if (before && JSON.stringify(before) !== JSON.stringify(linked))
        throw new Error(`two different schemas are both named ${name}`);
      this.components[name] = linked;
    }
    return relink(rest, rename) as Json;
  }
}

/** Path and query parameters: one entry per property of the route's object schema. */
function parameters(set: SchemaSet, schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const s = set.convert(schema, 'input');
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: p,
  }));
}

const ACCESS_TEXT: Record<ApiRoute['access'], string> = {
  public: 'No session needed.',
  'signed-in': 'Needs a signed-in invigilator (the session cookie).',
  coordinator:
    'Needs a signed-in coordinator: the centre coordinator, or a sub-contracted delivery site’s own coordinator within that site.',
  'centre-coordinator': 'Needs the signed-in centre coordinator (not a coordinator limited to one site).',
};

function operation(set: SchemaSet, name: string, r: ApiRoute): Json {
  const responses: Json = {};
  for (const [status, schema] of Object.entries(r.responses) as [string, z.ZodType][]) {
    responses[status] = {
      description: status === '201' ? 'Created' : status === '202' ? 'Accepted' : 'OK',
      content: r.produces
        ? { [r.produces]: { schema: { type: 'string' } } }
        : { 'application/json': { schema: set.convert(schema, 'output') } },
    };
  }
  for (const [status, schema] of Object.entries(r.refusals ?? {}) as [string, z.ZodType][]) {
    responses[status] = {
      description: 'Refused, with every problem named.',
      content: { 'application/json': { schema: set.convert(schema, 'output') } },
    };
  }
  responses.default = {
    description:
      'Refused: 400 names the field at fault, 401 sign in first, 403 not allowed, 404 no such thing, 409 conflict, 413 too large, 415 not JSON, 429 wait and retry.',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } },
  };
  const params = [...parameters(set, r.params, 'path'), ...parameters(set, r.query, 'query')];
  return {
    operationId: name,
    tags: [r.tag],
    summary: r.summary,
    description: [r.description, ACCESS_TEXT[r.access], r.rateLimited ? 'Rate-limited per address.' : '']
      .filter(Boolean)
      .join(' '),
    ...(r.access === 'public' ? { security: [] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(r.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: set.convert(r.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

export function openApiDocument(): Json {
  const set = new SchemaSet();
  set.convert(ApiErrorSchema, 'output');
  const paths: Record<string, Json> = {};
  for (const [name, r] of Object.entries(apiRoutes) as [string, ApiRoute][]) {
    const path = r.path.replace(/:([A-Za-z]+)/g, '{$1}');
    paths[path] ??= {};
    (paths[path] as Json)[r.method.toLowerCase()] = operation(set, name, r);
  }
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Invigil console API',
      version: API_VERSION,
      description:
        'The HTTP API of `invigil console`: what its dashboard uses, for a centre’s own tools. Writes from a browser need the session cookie and an Origin naming the console, and must be application/json. Bodies are at most 256 KB and 32 levels deep. Seats speak the WebSocket protocol in docs/protocol.md instead.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [
      { name: 'auth', description: 'First sign-in, sign-in and out, one-time links, invigilators, audit.' },
      { name: 'seats', description: 'Enrolment, the seat list, places, messages to candidates.' },
      { name: 'sittings', description: 'Planning, identity checks, outcomes, closing.' },
      { name: 'record', description: 'Incidents and the invigilation record.' },
      { name: 'notices', description: 'Replacement requests and refused connections.' },
      {
        name: 'hands-and-pauses',
        description: 'Raised hands answered; a seat or the whole room paused and resumed.',
      },
      { name: 'help', description: 'Help summoned to a room, and acknowledged.' },
      { name: 'attempts', description: 'Finish times, and outcomes from the awarding body’s results CSV.' },
      { name: 'reports', description: 'The quality assurer’s anomaly report and the centre’s hours.' },
      {
        name: 'sites',
        description:
          'The centre’s sites (lead, multi-site, satellite, sub-contracted delivery) and their rooms; who works where.',
      },
      { name: 'health', description: 'Counts for monitoring, and this document.' },
    ],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(set.components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'invigil_session' },
      },
    },
    security: [{ session: [] }],
  };
}

/** The document as docs/openapi.json holds it. */
export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}

/** docs/api.md's route table: one row a route, with who may call it (`npm run api:openapi` writes it). */
export function routeTableMarkdown(): string {
  return Object.values(apiRoutes as Record<string, ApiRoute>)
    .map((r) => `| \`${r.method} ${r.path}\` | ${r.access} | ${r.summary.replaceAll('|', '\\|')} |\n`)
    .join('');
}
