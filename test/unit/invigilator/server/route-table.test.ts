/**
 * The console's routes come from the shared route table: the app serves exactly the table's API
 * routes; an answer goes out through its response schema (a field the schema does not list never
 * leaves; an answer that breaks the schema is a 500 that says nothing of the inside); input is checked
 * against the table's schemas with a 400 naming the field; and who may call is decided before the
 * input is even looked at.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { HttpError } from '../../../../invigilator/server/http-error.ts';
import { zodRouteSchemas } from '../../../../invigilator/server/route-table.ts';
import { apiRoutes } from '../../../../shared/api/routes.ts';
import { ConsoleClient, startTestConsole, type TestConsole } from '../../../helpers/console-client.ts';

describe('a console', () => {
  let c: TestConsole;
  beforeAll(async () => {
    c = await startTestConsole();
  });
  afterAll(async () => {
    await c.close();
  });

  test('serves every route of the table, and no API route that is not in it', () => {
    const { app } = c.running;
    for (const [name, r] of Object.entries(apiRoutes)) {
      expect(app.hasRoute({ method: r.method, url: r.path }), name).toBe(true);
    }
    const table = new Set(Object.values(apiRoutes).map((r) => `${r.method} ${r.path}`));
    // printRoutes draws a tree: each level indents by four characters and adds to its parent's path.
    const stack: string[] = [];
    let checked = 0;
    for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
      const m = /^(.*?)[├└]── (\S+) \(([A-Z, ]+)\)$/.exec(line);
      if (!m?.[2] || !m[3]) continue;
      const depth = (m[1] ?? '').length / 4;
      const path = (stack[depth - 1] ?? '') + m[2];
      stack[depth] = path;
      stack.length = depth + 1;
      if (!path.startsWith('/api/')) continue;
      // Every (method, path) Fastify knows under /api/ is one the table declares (HEAD comes with GET).
      for (const method of m[3].split(', ').filter((x) => x !== 'HEAD')) {
        expect(table.has(`${method} ${path}`), `${method} ${path}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(table.size);
  });

  test('a route for coordinators refuses an anonymous caller with 401 before reading a bad body', async () => {
    const anon = new ConsoleClient(c.url);
    const r = await anon.post('/api/invigilators', { name: 7 });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'Sign in first.' });
  });

  test('a bad path parameter, query or body is a 400 that names it', async () => {
    const path = await c.admin.get('/api/sittings/not!an!id');
    expect(path.status).toBe(400);
    expect(path.body).toEqual({ error: 'id: not a valid id', field: 'id' });
    const query = await c.admin.get('/api/incidents?limit=100000');
    expect(query.status).toBe(400);
    expect(query.body).toMatchObject({ field: 'limit' });
    const unknownKey = await c.admin.get('/api/incidents?colour=red');
    expect(unknownKey.status).toBe(400);
    expect(String((unknownKey.body as { error: string }).error)).toMatch(/colour/);
  });
});

describe('zod route schemas on a bare Fastify app', () => {
  const Answer = z.object({ name: z.string() });
  const app = Fastify();
  zodRouteSchemas(app);
  app.setErrorHandler((error, _req, reply) =>
    error instanceof HttpError
      ? reply.code(error.statusCode).send({ error: error.message, field: error.field })
      : reply.code(500).send({ error: 'Something went wrong in the console; the log has the details.' }),
  );
  app.get('/extra', { schema: { response: { 200: Answer } } }, async () => ({
    name: 'Dana',
    passwordHash: 'scrypt$secret',
  }));
  app.get('/wrong', { schema: { response: { 200: Answer } } }, async () => ({ name: 42 }));
  app.post(
    '/body',
    { schema: { body: z.strictObject({ count: z.number().int().default(1) }) } },
    async (req) => ({ got: req.body }),
  );

  test('a field the response schema does not list is not sent', async () => {
    const res = await app.inject({ method: 'GET', url: '/extra' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'Dana' });
  });

  test('an answer that breaks its schema is a 500 with no detail and no stack', async () => {
    const res = await app.inject({ method: 'GET', url: '/wrong' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toMatch(/at |\.ts|name/);
  });

  test('the handler gets the parsed body (defaults filled in); a bad one is a 400 naming the field', async () => {
    const ok = await app.inject({ method: 'POST', url: '/body', payload: {} });
    expect(ok.json()).toEqual({ got: { count: 1 } });
    const bad = await app.inject({ method: 'POST', url: '/body', payload: { count: 'two' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'count' });
    expect(bad.json().error).toMatch(/^count: /);
  });
});
