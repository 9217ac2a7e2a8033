/**
 * What knowing who connects costs, and how fast a refusal reaches the invigilator:
 * 1. the peer check per connection (the kernel's peer credentials, /proc for the process and its parent,
 *    the judgement), on real Unix-socket connections from another process;
 * 2. the time from a program posing as the browser's host (another account in the seat group) connecting to
 *    the agent, run as the service runs it, to the refusal incident arriving on a signed-in dashboard's
 *    live socket (a real console process). Each sample runs as another uid, because repeats from the
 *    same kind of connector within 30 s are counted into one incident.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../kiosk-agent/config.ts';
import { connectorExpectations, identifyPeer } from '../../kiosk-agent/link-trust/identify.ts';
import { hello, sampleReport } from '../../test/helpers/agent-frames.ts';
import { FORGER, startSeatRig } from '../../test/helpers/agent-seat.ts';
import { startXDisplay } from '../../test/helpers/x-displays.ts';
import { percentile, type Row, report } from '../report.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 500);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 10);
const rows: Row[] = [];

// ---- 1. the peer check per connection ----
{
  const dir = mkdtempSync(join(tmpdir(), 'invigil-bench-peer-'));
  const path = join(dir, 'agent.sock');
  const expect = connectorExpectations(defaultConfig(), path);
  const micros: number[] = [];
  const server = createServer((socket) => {
    micros.push(identifyPeer(socket, expect).micros);
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(path, r));
  // Another process connects, one connection after another (as hosts and `invigil check` do).
  const client = spawn(
    process.execPath,
    [
      '-e',
      `const net = require('node:net'); let n = 0; const one = () => { if (n++ >= ${CONNECTIONS}) return; const s = net.connect(${JSON.stringify(path)}); s.on('close', one); s.on('error', one); }; one();`,
    ],
    { stdio: 'ignore' },
  );
  await new Promise((r) => client.once('exit', r));
  server.close();
  rmSync(dir, { recursive: true, force: true });
  const warm = micros.slice(20); // the first few load koffi and warm up
  rows.push({
    measure: 'peer check per connection, median',
    value: percentile(warm, 50),
    unit: 'µs',
    samples: warm.length,
  });
  rows.push({
    measure: 'peer check per connection, p95',
    value: percentile(warm, 95),
    unit: 'µs',
    samples: warm.length,
  });
  rows.push({
    measure: 'peer check, first connection (loads koffi)',
    value: micros[0] ?? 0,
    unit: 'µs',
    samples: 1,
  });
}

// ---- 2. refused link -> incident on the dashboard ----
const x = await startXDisplay(94);
const rig = await startSeatRig({}, { DISPLAY: x.display });
try {
  const live = await rig.console.admin.live();
  const messages = join(rig.dir, 'forged.json');
  writeFileSync(
    messages,
    JSON.stringify([
      { type: 'socket/hello', role: 'native-host', pid: 1 },
      hello,
      { type: 'report/compliance', report: sampleReport() },
    ]),
    { mode: 0o644 },
  );
  const latency: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const uid = 60_001 + i;
    let t0 = performance.now();
    const forger = spawn(
      'setpriv',
      [`--reuid=${uid}`, '--regid=nogroup', '--clear-groups', process.execPath, FORGER, rig.socket, messages],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    // From the moment its connection is open (the forger says so), not from the process starting.
    forger.stdout?.once('data', () => {
      t0 = performance.now();
    });
    await live.waitFor(
      (m) =>
        m.type === 'live/incidents' &&
        m.incidents.some(
          (inc) => inc.kind === 'connector-refused' && inc.description.includes(`user uid ${uid}`),
        )
          ? true
          : undefined,
      30_000,
    );
    latency.push(performance.now() - t0);
    forger.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
  }
  live.close();
  rows.push({
    measure: 'refused link -> incident on the dashboard, median',
    value: percentile(latency, 50),
    unit: 'ms',
    samples: latency.length,
  });
  rows.push({
    measure: 'refused link -> incident on the dashboard, max',
    value: Math.max(...latency),
    unit: 'ms',
    samples: latency.length,
  });
} finally {
  await rig.stop();
  await x.stop();
}

report(
  'agent-link-trust',
  'The cost of identifying each local-socket connection, and the time from a refused connector to its incident on the dashboard',
  rows,
);
