/**
 * The published OpenAPI document (docs/openapi.json) is what the route table generates and what a
 * running console serves at /api/openapi.json, so it cannot go stale; and it is a document a tool can
 * use: every schema in it is valid JSON Schema 2020-12, every path parameter is declared, every $ref
 * resolves.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApiDocument, openApiText } from '../../../../shared/api/openapi.ts';
import { apiRoutes } from '../../../../shared/api/routes.ts';
import { startTestConsole, type TestConsole } from '../../../helpers/console-client.ts';

const DOCS = resolve(import.meta.dirname, '../../../../docs');
const published = () => JSON.parse(readFileSync(join(DOCS, 'openapi.json'), 'utf8'));

type Json = Record<string, unknown>;

test('docs/openapi.json is what the route table generates (run `npm run api:openapi`)', () => {
  expect(published()).toEqual(JSON.parse(openApiText()));
});

describe('a running console', () => {
  let c: TestConsole;
  beforeAll(async () => {
    c = await startTestConsole();
  });
  afterAll(async () => {
    await c.close();
  });

  test('serves the published document at /api/openapi.json, without a session', async () => {
    const res = await fetch(`${c.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(published());
  });
});

describe('the document', () => {
  const doc = openApiDocument() as {
    openapi: string;
    paths: Record<string, Record<string, Json>>;
    components: { schemas: Record<string, Json> };
  };
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method, op })),
  );

  test('is OpenAPI 3.1 with one operation per route of the table, each named by it', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(operations.map((o) => o.op.operationId).sort()).toEqual(Object.keys(apiRoutes).sort());
    for (const [name, r] of Object.entries(apiRoutes)) {
      const path = r.path.replace(/:([A-Za-z]+)/g, '{$1}');
      expect(doc.paths[path]?.[r.method.toLowerCase()]?.operationId, name).toBe(name);
    }
  });

  test('declares every path parameter its path names', () => {
    for (const { path, method, op } of operations) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = ((op.parameters ?? []) as { name: string; in: string }[])
        .filter((p) => p.in === 'path')
        .map((p) => p.name)
        .sort();
      expect(declared, `${method} ${path}`).toEqual(inPath);
    }
  });

  test('every schema compiles as JSON Schema 2020-12 and every $ref resolves', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'doc', components: doc.components } as Json);
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') refs.push(x);
          else walk(x);
        }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.split('/').pop() ?? ''], ref).toBeDefined();
    }
    // Each operation's schemas, with their $refs pointed at the components above.
    const schemas: Json[] = [];
    for (const { op } of operations) {
      for (const p of (op.parameters ?? []) as { schema: Json }[]) schemas.push(p.schema);
      const body = (op.requestBody as { content: Record<string, { schema: Json }> } | undefined)?.content;
      for (const c of Object.values(body ?? {})) schemas.push(c.schema);
      for (const r of Object.values(
        op.responses as Record<string, { content: Record<string, { schema: Json }> }>,
      ))
        for (const c of Object.values(r.content)) schemas.push(c.schema);
    }
    for (const s of schemas) {
      const linked = JSON.parse(JSON.stringify(s).replaceAll('"#/components/', '"doc#/components/'));
      expect(() => ajv.compile(linked)).not.toThrow();
    }
  });

  test('a real answer validates against its documented schema', async () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'doc', components: doc.components } as Json);
    const c = await startTestConsole();
    try {
      const sitting = await c.admin.api.call('createSitting', {
        body: {
          room: 'Room 4',
          startsAt: new Date().toISOString(),
          invigilatorIds: [],
          entries: [
            {
              candidateName: 'Ada Lovelace',
              registrationNumber: 'R-1',
              qualificationNumber: '601/8928/9',
              assessment: 'Unit 1',
              durationMinutes: 60,
            },
          ],
        },
      });
      const res = await c.admin.get(`/api/sittings/${sitting.sitting.id}`);
      const responses = (doc.paths['/api/sittings/{id}']?.get?.responses ?? {}) as Record<
        string,
        { content: { 'application/json': { schema: Json } } }
      >;
      const schema = responses['200'];
      if (!schema) throw new Error('GET /api/sittings/{id} documents no 200 answer');
      const validate = ajv.compile(
        JSON.parse(
          JSON.stringify(schema.content['application/json'].schema).replaceAll(
            '"#/components/',
            '"doc#/components/',
          ),
        ),
      );
      expect(validate(res.body), JSON.stringify(validate.errors)).toBe(true);
      // A wrong answer does not: the check can fail.
      expect(validate({ sitting: { ...sitting.sitting, room: 4 } })).toBe(false);
    } finally {
      await c.close();
    }
  });
});

test('docs/api.md lists every route of the table with who may call it', () => {
  const doc = readFileSync(join(DOCS, 'api.md'), 'utf8');
  for (const [name, r] of Object.entries(apiRoutes)) {
    expect(doc, name).toContain(`| \`${r.method} ${r.path}\` | ${r.access} |`);
  }
});
