/**
 * `invigil console` and `invigil enrol` as real processes: the console prints its address and the
 * setup link; enrol writes the seat credential into the agent's config, keeping the rest of the file,
 * readable by its owner only; bad input gets one clear line and nothing is written.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { parse as parseYaml } from 'yaml';
import { AgentConfigSchema } from '../../../shared/schemas/config.ts';
import { setupFirstInvigilator } from '../../helpers/console-client.ts';
import {
  CLI,
  type ConsoleProcess,
  startConsoleProcess,
  startReadyConsole,
} from '../../helpers/console-process.ts';

let consoleProc: ConsoleProcess;
let code = '';
const dir = mkdtempSync(join(tmpdir(), 'invigil-enrol-'));

function invigil(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  const ready = await startReadyConsole();
  consoleProc = ready.proc;
  code = ready.code;
}, 60_000);
afterAll(async () => {
  await consoleProc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('invigil console', () => {
  test('prints its address, the one-time setup link and where seats connect', () => {
    expect(consoleProc.stdout()).toMatch(/^Invigil console listening on http:\/\/127\.0\.0\.1:\d+\n/);
    expect(consoleProc.stdout()).toContain('Setup link: http://127.0.0.1:');
    expect(consoleProc.stdout()).toMatch(/Seats connect to ws:\/\/127\.0\.0\.1:\d+\/seat/);
  });

  test('a restart on the same data keeps the centre and offers no setup link', async () => {
    const data = mkdtempSync(join(tmpdir(), 'invigil-restart-'));
    const first = await startConsoleProcess({ dataDir: data });
    await setupFirstInvigilator(first.url, first.setupUrl ?? '');
    await first.stop();
    const second = await startConsoleProcess({ dataDir: data });
    try {
      expect(second.setupUrl).toBeNull();
      expect(second.stdout()).toContain('Centre: Northgate College');
      expect(second.stdout()).toContain('Sign in at http://127.0.0.1:');
    } finally {
      await second.stop();
      rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);

  test('listens on 127.0.0.1 unless told --host: another address of this machine is not served', async () => {
    const data = mkdtempSync(join(tmpdir(), 'invigil-host-'));
    const child = spawn(process.execPath, [CLI, 'console', '--port', '0', '--data', data], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
      });
      const deadline = Date.now() + 20_000;
      while (!/Seats connect to/.test(out) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
      const port = Number(out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/)?.[1]);
      expect(port).toBeGreaterThan(0);
      const external = Object.values(networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
      expect(external, 'this test needs a non-loopback IPv4 address on the machine').toBeDefined();
      const reached = await new Promise<boolean>((resolve) => {
        const s = connect({ host: external, port }, () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
      expect(reached).toBe(false);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);

  test('a network address needs TLS or an explicit --insecure-http (which warns); bad combinations are one line', () => {
    const noTls = invigil(['console', '--host', '0.0.0.0', '--port', '0']);
    expect(noTls.status).toBe(2);
    expect(noTls.stderr).toBe(
      'invigil console: listening on 0.0.0.0 sends passwords and seat credentials over the network: give --tls-cert and --tls-key, or --insecure-http to accept plain HTTP\n',
    );
    const both = invigil(['console', '--insecure-http', '--tls-cert', 'a.pem', '--tls-key', 'b.pem']);
    expect(both.status).toBe(2);
    expect(both.stderr).toBe(
      'invigil console: --insecure-http and --tls-cert/--tls-key contradict each other: choose one\n',
    );
    const proxy = invigil(['console', '--trust-proxy', 'the-proxy']);
    expect(proxy.status).toBe(2);
    expect(proxy.stderr).toBe(
      'invigil console: --trust-proxy takes the proxy\'s IP address or network (such as 127.0.0.1 or 10.0.0.0/8), not "the-proxy"\n',
    );
  });

  test('--insecure-http on a network address serves, with a warning', async () => {
    const proc = await startConsoleProcess({ args: ['--host', '0.0.0.0', '--insecure-http'] });
    try {
      expect(proc.stderr()).toMatch(/^Warning: plain HTTP on 0\.0\.0\.0: /m);
      expect((await fetch(`${proc.url}/api/setup`)).status).toBe(200);
    } finally {
      await proc.stop();
    }
  }, 60_000);

  test('a bad flag is one line naming it, exit 2', () => {
    const r = invigil(['console', '--port', 'eighty']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('invigil console: --port must be a whole number from 0 to 65535 (got "eighty")\n');
  });
});

describe('invigil enrol', () => {
  test('writes the console section into a YAML config, keeping its comments and other settings, mode 600', async () => {
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, '# Exam PC 4, room 2\nseat:\n  place: Row B, seat 4\ndisplays:\n  allowed: 1\n', {
      mode: 0o644,
    });
    const r = invigil([
      'enrol',
      '--console',
      consoleProc.url,
      '--code',
      code,
      '--config',
      file,
      '--pc-name',
      'PC-B4',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Enrolled "PC-B4" as seat');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# Exam PC 4, room 2');
    const config = AgentConfigSchema.parse(parseYaml(text));
    expect(config.seat).toEqual({ place: 'Row B, seat 4', pcName: 'PC-B4' });
    expect(config.console?.url).toBe(consoleProc.url);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The credential it wrote really opens the seat socket.
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${consoleProc.url.replace('http', 'ws')}/seat`, {
        headers: {
          authorization: `Bearer ${config.console?.credential}`,
          'x-invigil-seat': config.console?.seatId ?? '',
        },
      });
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
    });
    expect(status).toBe(101);
  });

  test('creates a JSON config that does not exist yet', () => {
    const file = join(dir, 'new-agent.json');
    const r = invigil([
      'enrol',
      '--console',
      consoleProc.url,
      '--code',
      code.toLowerCase(),
      '--config',
      file,
    ]);
    expect(r.status).toBe(0);
    const config = AgentConfigSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    expect(config.console?.seatId).toMatch(/^[0-9a-f-]{36}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test('a PC name already enrolled: the credential is written, and it says a coordinator must approve it', () => {
    const first = join(dir, 'first.json');
    const second = join(dir, 'second.json');
    const args = (file: string) => [
      'enrol',
      '--console',
      consoleProc.url,
      '--code',
      code,
      '--config',
      file,
      '--pc-name',
      'PC-TWICE',
    ];
    expect(invigil(args(first)).status).toBe(0);
    const r = invigil(args(second));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      '"PC-TWICE" is already enrolled, so this PC is waiting for a coordinator to approve it as its replacement (in the dashboard, under Notices).',
    );
    const a = AgentConfigSchema.parse(JSON.parse(readFileSync(first, 'utf8')));
    const b = AgentConfigSchema.parse(JSON.parse(readFileSync(second, 'utf8')));
    expect(b.console?.seatId).toBe(a.console?.seatId);
    expect(b.console?.credential).not.toBe(a.console?.credential);
  });

  test('a wrong code is refused with the console’s reason, exit 1, and the file is untouched', () => {
    const file = join(dir, 'untouched.json');
    writeFileSync(file, '{"seat": {"pcName": "PC-9"}}\n');
    const r = invigil(['enrol', '--console', consoleProc.url, '--code', 'ZZZZ-ZZZZ', '--config', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'invigil enrol: the console refused the enrolment: The enrolment code is wrong, has expired or has been used up.\n',
    );
    expect(readFileSync(file, 'utf8')).toBe('{"seat": {"pcName": "PC-9"}}\n');
  });

  test('a config with a mistake is named and nothing is sent or written', () => {
    const file = join(dir, 'typo.yaml');
    writeFileSync(file, 'displays:\n  alowed: 2\n');
    const r = invigil(['enrol', '--console', consoleProc.url, '--code', code, '--config', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^invigil enrol: .*typo\.yaml: displays: Unrecognized key: "alowed"; fix it, then enrol again\n$/,
    );
    expect(readFileSync(file, 'utf8')).toBe('displays:\n  alowed: 2\n');
  });

  test('missing flags and an unreachable console get one line each', () => {
    expect(invigil(['enrol', '--code', code, '--config', join(dir, 'x.json')]).stderr).toBe(
      'invigil enrol: --console is required (the address `invigil console` printed)\n',
    );
    const r = invigil([
      'enrol',
      '--console',
      'http://127.0.0.1:9',
      '--code',
      code,
      '--config',
      join(dir, 'x.json'),
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^invigil enrol: could not reach the console at http:\/\/127\.0\.0\.1:9: /);
  });
});
