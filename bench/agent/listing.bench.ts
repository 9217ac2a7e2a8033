/**
 * What one listing costs: systeminformation's process and display listings against the cheap
 * ways the daemon uses every 500 ms (the /proc scan; `xrandr --current`), with the machine's own
 * processes and with 300 more running.
 */
import { execFileSync } from 'node:child_process';
import si from 'systeminformation';
import { displayFingerprint, listDisplays } from '../../kiosk-agent/checks/displays.ts';
import { ProcScanner } from '../../kiosk-agent/checks/processes.ts';
import {
  killAllNamedProcesses,
  type NamedProcess,
  startNamedProcess,
} from '../../test/helpers/agent-processes.ts';
import { startXDisplay } from '../../test/helpers/x-displays.ts';
import { percentile, type Row, report } from '../report.ts';
import { perCall } from './cost.ts';

const rows: Row[] = [];
const count = () =>
  Number(execFileSync('sh', ['-c', 'ls -d /proc/[0-9]* | wc -l'], { encoding: 'utf8' }).trim());

async function processRows(label: string) {
  const n = count();
  // si.processes() answers from its cache within 500 ms of the last call: space the calls out.
  const siCost = await perCall(() => si.processes(), 8, 520);
  rows.push({
    listing: 'si.processes()',
    processes: n,
    setting: label,
    cpu_ms_per_call: siCost.cpuMs,
    wall_ms_per_call: siCost.wallMs,
    cpu_pct_at_500ms: (siCost.cpuMs / 500) * 100,
  });
  const scanner = new ProcScanner();
  const scan = await perCall(() => scanner.scan(), 200);
  rows.push({
    listing: '/proc scan (daemon)',
    processes: n,
    setting: label,
    cpu_ms_per_call: scan.cpuMs,
    wall_ms_per_call: scan.wallMs,
    cpu_pct_at_500ms: (scan.cpuMs / 500) * 100,
  });
}

await processRows('this machine');
const extra: NamedProcess[] = [];
for (let i = 0; i < 300; i++) extra.push(await startNamedProcess(`bench-worker-${i}`));
try {
  await processRows('+300 processes');
} finally {
  await Promise.all(extra.map((p) => p.stop()));
  killAllNamedProcesses();
}

const x = await startXDisplay(93);
process.env.DISPLAY = x.display;
try {
  const full = await perCall(() => listDisplays('systeminformation'), 20, 10);
  rows.push({
    listing: 'si.graphics() + xrandr --current',
    processes: count(),
    setting: 'X :93, 1 display',
    cpu_ms_per_call: full.cpuMs,
    wall_ms_per_call: full.wallMs,
    cpu_pct_at_500ms: (full.cpuMs / 500) * 100,
  });
  const walls: number[] = [];
  const cheap = await perCall(async () => {
    const t0 = performance.now();
    await displayFingerprint('systeminformation');
    walls.push(performance.now() - t0);
  }, 100);
  rows.push({
    listing: 'xrandr --current (daemon)',
    processes: count(),
    setting: 'X :93, 1 display',
    cpu_ms_per_call: cheap.cpuMs,
    wall_ms_per_call: percentile(walls, 50),
    cpu_pct_at_500ms: (cheap.cpuMs / 500) * 100,
  });
} finally {
  await x.stop();
}

report(
  'agent-listing',
  'CPU (this process plus the programs it starts) and wall time per listing of processes and displays; cpu_pct_at_500ms is one core at the default interval',
  rows,
);
