/**
 * The running agent (`invigil agent`, real process, default intervals, watching a real X display):
 * its CPU on average and per check cycle, its resident memory, and the time from a forbidden
 * program starting, or a display being plugged in, to the finding in the agent's status.
 */

import { agentWorkspace, startAgentProcess } from '../../test/helpers/agent-cli.ts';
import { connectAgentSocket } from '../../test/helpers/agent-frames.ts';
import { killAllNamedProcesses, startNamedProcess } from '../../test/helpers/agent-processes.ts';
import { startXDisplay } from '../../test/helpers/x-displays.ts';
import { percentile, type Row, report } from '../report.ts';
import { cpuMs, rssMb } from './cost.ts';

const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const x = await startXDisplay(94);
const ws = agentWorkspace();
const agent = await startAgentProcess(ws, {}, { DISPLAY: x.display });
const pid = agent.child.pid as number;
const rows: Row[] = [];

type Status = { findings: { code: string; subject?: string }[] };
const sock = await connectAgentSocket(ws.socket);
async function status(): Promise<Status> {
  const from = sock.received.length;
  sock.send({ type: 'agent/status-request' });
  return ((await sock.next((m) => m.type === 'agent/status', 10_000, from)) as { status: Status }).status;
}
async function timeUntil(pred: (s: Status) => boolean): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (pred(await status())) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
  }
}

try {
  // Settle: the first round, JIT warm-up.
  await new Promise((r) => setTimeout(r, 5000));
  const c0 = cpuMs(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const spent = cpuMs(pid) - c0;
  const wall = performance.now() - t0;
  const cycles = wall / 500; // the process and display checks both run every 500 ms
  rows.push({
    measure: 'CPU, idle seat, average',
    value: (spent / wall) * 100,
    unit: '% of one core',
    samples: Math.round(wall / 1000),
  });
  rows.push({
    measure: 'CPU per 500 ms cycle (processes + displays + share of the rest)',
    value: spent / cycles,
    unit: 'ms',
    samples: Math.round(cycles),
  });
  rows.push({ measure: 'resident memory', value: rssMb(pid), unit: 'MB', samples: 1 });

  const programLatency: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    const p = await startNamedProcess('AnyDesk');
    const spawnMs = performance.now() - t;
    programLatency.push(spawnMs + (await timeUntil((s) => s.findings.some((f) => f.subject === 'AnyDesk'))));
    await p.stop();
    await timeUntil((s) => !s.findings.some((f) => f.subject === 'AnyDesk'));
    await new Promise((r) => setTimeout(r, Math.random() * 500));
  }
  rows.push({
    measure: 'program start -> finding, median',
    value: percentile(programLatency, 50),
    unit: 'ms',
    samples: programLatency.length,
  });
  rows.push({
    measure: 'program start -> finding, p95',
    value: percentile(programLatency, 95),
    unit: 'ms',
    samples: programLatency.length,
  });
  rows.push({
    measure: 'program start -> finding, max',
    value: Math.max(...programLatency),
    unit: 'ms',
    samples: programLatency.length,
  });

  const displayLatency: number[] = [];
  for (const i of [1, 2, 3, 4, 5]) {
    await new Promise((r) => setTimeout(r, Math.random() * 500));
    const t = performance.now();
    x.plug(i);
    const plugMs = performance.now() - t;
    displayLatency.push(
      plugMs +
        (await timeUntil((s) =>
          s.findings.some((f) => f.code === 'display-count' && f.subject === `DUMMY${i}`),
        )),
    );
  }
  rows.push({
    measure: 'display plugged -> finding, median',
    value: percentile(displayLatency, 50),
    unit: 'ms',
    samples: displayLatency.length,
  });
  rows.push({
    measure: 'display plugged -> finding, max',
    value: Math.max(...displayLatency),
    unit: 'ms',
    samples: displayLatency.length,
  });
  rows.push({ measure: 'resident memory after the runs', value: rssMb(pid), unit: 'MB', samples: 1 });
} finally {
  sock.socket.destroy();
  killAllNamedProcesses();
  await agent.stop();
  await x.stop();
  ws.remove();
}

report(
  'agent-daemon',
  'The running agent at default intervals (processes and displays every 500 ms) watching a real X display',
  rows,
);
