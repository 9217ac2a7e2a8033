/** CPU and memory of a process, read from /proc (Linux): its own time plus its reaped children's. */
import { readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

export function cpuMs(pid: number | 'self' = 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime are fields 14-17 (1-based) of the whole line.
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS;
}

export function rssMb(pid: number | 'self' = 'self'): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Average CPU (ms of CPU) and wall time (ms) per call of `fn`, including the programs it starts. */
export async function perCall(
  fn: () => Promise<unknown> | unknown,
  calls: number,
  gapMs = 0,
): Promise<{ cpuMs: number; wallMs: number }> {
  await fn();
  const c0 = cpuMs();
  let wall = 0;
  for (let i = 0; i < calls; i++) {
    if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    const t0 = performance.now();
    await fn();
    wall += performance.now() - t0;
  }
  return { cpuMs: (cpuMs() - c0) / calls, wallMs: wall / calls };
}
