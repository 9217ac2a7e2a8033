/**
 * The console over TLS, as a centre runs it when its network is not private: `invigil console
 * --tls-cert --tls-key` serves HTTPS and WSS with the centre's own certificate; the session cookie is
 * Secure; `invigil enrol` refuses a certificate it cannot trust and says how to trust it (--ca), and
 * with it enrols the seat; the agent then connects over WSS trusting that same certificate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  type AgentProcess,
  agentWorkspace,
  runInvigil,
  startAgentProcess,
  waitFor,
} from '../../helpers/agent-cli.ts';
import { type ConsoleProcess, startConsoleProcess } from '../../helpers/console-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'invigil-tls-'));
const cert = join(dir, 'console.crt');
const key = join(dir, 'console.key');
const ws = agentWorkspace();
let consoleProc: ConsoleProcess;
let agent: AgentProcess | undefined;
let cookie = '';
let code = '';

/** A JSON request over HTTPS trusting the centre's own certificate (as a browser told to trust it would). */
function https(
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown>; setCookie: string[] }> {
  const data = body === undefined ? '' : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: readFileSync(cert),
        headers: {
          'content-type': 'application/json',
          origin: new URL(url).origin,
          ...(cookie ? { cookie } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
            setCookie: res.headers['set-cookie'] ?? [],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  consoleProc = await startConsoleProcess({ args: ['--tls-cert', cert, '--tls-key', key] });
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await consoleProc?.stop();
  ws.remove();
  rmSync(dir, { recursive: true, force: true });
});

test('the console serves HTTPS, and its session cookie is Secure, HttpOnly and SameSite=Strict', async () => {
  expect(consoleProc.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  expect(consoleProc.stdout()).toContain(`Seats connect to ${consoleProc.url.replace('https', 'wss')}/seat`);
  const token = consoleProc.setupUrl?.split('/#/setup/')[1];
  const setup = await https('POST', `${consoleProc.url}/api/setup`, {
    token,
    centreName: 'Northgate College',
    name: 'Dana Okafor',
    pin: '40213',
    password: 'correct horse battery',
  });
  expect(setup.status).toBe(201);
  const session = setup.setCookie.find((c) => c.startsWith('invigil_session=')) ?? '';
  expect(session).toMatch(/; Secure/);
  expect(session).toMatch(/; HttpOnly/);
  expect(session).toMatch(/; SameSite=Strict/);
  cookie = session.split(';')[0] ?? '';
  const made = await https('POST', `${consoleProc.url}/api/enrolment-codes`, { uses: 2 });
  expect(made.status).toBe(201);
  code = String(made.json.code);
});

test('invigil enrol refuses a certificate it cannot trust, saying how; with --ca it enrols', () => {
  const refused = runInvigil([
    'enrol',
    '--console',
    consoleProc.url,
    '--code',
    code,
    '--config',
    ws.configFile,
  ]);
  expect(refused.status).toBe(1);
  expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  expect(refused.stderr).toMatch(/certificate is not trusted .*give it with --ca FILE/);

  const enrolled = runInvigil([
    'enrol',
    '--console',
    consoleProc.url,
    '--code',
    code,
    '--config',
    ws.configFile,
    '--pc-name',
    'TLS-PC',
    '--ca',
    cert,
  ]);
  expect(enrolled.status, enrolled.stderr).toBe(0);
  const config = JSON.parse(readFileSync(ws.configFile, 'utf8')) as { console: { url: string; ca: string } };
  expect(config.console).toMatchObject({ url: consoleProc.url, ca: cert });
});

test('the enrolled agent connects over WSS, trusting the same certificate', async () => {
  const enrolled = JSON.parse(readFileSync(ws.configFile, 'utf8')) as Record<string, unknown>;
  agent = await startAgentProcess(ws, enrolled);
  await waitFor(
    'the console to log the seat connecting',
    () =>
      /"pcName":"TLS-PC".*"seat connected"|"seat connected".*"pcName":"TLS-PC"/.test(consoleProc.stderr()),
    30_000,
  );
});

test('one TLS flag without the other, or a missing file, is one clear line', () => {
  const alone = runInvigil(['console', '--port', '0', '--tls-cert', cert]);
  expect(alone.status).toBe(2);
  expect(alone.stderr.trim()).toBe(
    'invigil console: --tls-cert and --tls-key go together: give both, or neither for plain HTTP',
  );
  const missing = runInvigil([
    'console',
    '--port',
    '0',
    '--tls-cert',
    cert,
    '--tls-key',
    join(dir, 'nope.key'),
  ]);
  expect(missing.status).toBe(2);
  expect(missing.stderr.trim()).toBe(`invigil console: --tls-key ${join(dir, 'nope.key')}: no such file`);
});
