/**
 * The one typed client: a call by route name builds the request from the table and hands back the
 * answer parsed by the route's response schema; a refusal is an ApiError with the console's status,
 * line and field; an answer the table does not describe is refused rather than cast.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError, createApiClient, requestFor } from '../../../../shared/api/client.ts';
import { apiRoutes } from '../../../../shared/api/routes.ts';
import { startTestConsole, type TestConsole } from '../../../helpers/console-client.ts';

test('a request is built from the table: path parameters encoded, query, JSON body on writes', () => {
  expect(requestFor(apiRoutes.getSitting, { params: { id: 'a/b c' } })).toEqual({
    method: 'GET',
    path: '/api/sittings/a%2Fb%20c',
    body: null,
  });
  expect(requestFor(apiRoutes.listIncidents, { query: { sittingId: 'x y', limit: 5 } }).path).toBe(
    '/api/incidents?sittingId=x%20y&limit=5',
  );
  expect(requestFor(apiRoutes.closeSitting, { params: { id: 'abcdefgh' } }).body).toBe('{}');
  expect(() => requestFor(apiRoutes.getSitting, {})).toThrow(/path parameter id is missing/);
});

describe('against a running console', () => {
  let c: TestConsole;
  beforeAll(async () => {
    c = await startTestConsole();
  });
  afterAll(async () => {
    await c.close();
  });

  test('answers come back typed and parsed', async () => {
    const me = await c.admin.api.call('me');
    expect(me.invigilator.name).toBe(c.adminName);
    expect(me.invigilator.role).toBe('coordinator');
    const code = await c.admin.api.call('createEnrolmentCode', { body: {} });
    expect(code.usesLeft).toBe(1);
  });

  test('a refusal is an ApiError with the status, the line and the field', async () => {
    const error = await c.admin.api
      .call('createInvigilator', { body: { name: 'Sam', pin: '1', password: 'long enough password' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, field: 'pin', route: 'POST /api/invigilators' });
    expect((error as ApiError).message).toBe('pin: a PIN is 3 to 20 letters or digits');
  });
});

test('an answer that does not match the route’s schema is refused, not cast', async () => {
  // A real server that answers GET /api/me with something else.
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ invigilator: { id: 'abcdefgh', name: 'X' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const client = createApiClient((url, init) => fetch(url, init), { baseUrl: `http://127.0.0.1:${port}` });
    await expect(client.call('me')).rejects.toThrow(/does not match its schema \(invigilator\.pin/);
  } finally {
    server.close();
  }
});
