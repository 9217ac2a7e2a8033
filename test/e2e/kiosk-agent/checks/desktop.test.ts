/**
 * The desktop check on a real X display (Xvfb) under a real window manager (openbox), with real
 * windows (xmessage, which sets no _NET_WM_PID) and real processes: what the candidate has on screen,
 * as `invigil check` and the running agent see it.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { CheckResult, Finding } from '../../../../shared/schemas/common.ts';
import {
  agentOutbox,
  agentStatus,
  agentWorkspace,
  assertBuilt,
  runInvigil,
  startAgentProcess,
  waitFor,
} from '../../../helpers/agent-cli.ts';
import { killAllNamedProcesses, startNamedProcess } from '../../../helpers/agent-processes.ts';
import { copyProgram, ended, killAllDesktopChildren, startXDesktop, type XDesktopRig } from './x-desktop.ts';

let x: XDesktopRig;
beforeAll(async () => {
  assertBuilt();
  x = await startXDesktop();
});
afterAll(async () => {
  await x?.stop();
  killAllDesktopChildren();
  killAllNamedProcesses();
});
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** `invigil check --json` with a seat config; the checklist lines by id. */
function check(config: Record<string, unknown> = {}, env: Record<string, string> = { DISPLAY: x.display }) {
  const ws = agentWorkspace();
  cleanups.push(ws.remove);
  writeFileSync(ws.configFile, JSON.stringify({ socketPath: ws.socket, dataDir: ws.dataDir, ...config }));
  const r = runInvigil(['check', '--json', '--config', ws.configFile], {
    DISPLAY: '',
    XAUTHORITY: '',
    ...env,
  });
  const out = JSON.parse(r.stdout) as { checks: CheckResult[] };
  return new Map(out.checks.map((c) => [c.id, c]));
}
const desktopLine = (lines: Map<string, CheckResult>) => lines.get('desktop-programs') as CheckResult;
const subjects = (line: CheckResult) => line.findings.map((f) => f.subject).sort();

async function windowOf(file: string, args: string[] = ['an exam answer'], name?: string) {
  const child = await x.window(file, args, name ? { name } : {});
  cleanups.push(() => ended(child));
  return child;
}

describe('programs with a window on the desktop', () => {
  test('with only the window manager, the line passes', () => {
    const line = desktopLine(check());
    expect(line.status).toBe('pass');
    expect(line.summary).toContain('a window manager (the desktop shell or window manager)');
  });

  test('an unlisted window is reported by name, traced to its process without _NET_WM_PID', async () => {
    const child = await windowOf('xmessage');
    // The premise: xmessage does not say which process it is.
    const ids = x.clientList();
    const props = ids.map((id) =>
      execFileSync('xprop', ['-id', String(id), '_NET_WM_PID', 'WM_CLASS'], {
        env: { ...process.env, DISPLAY: x.display },
        encoding: 'utf8',
      }),
    );
    const xm = props.find((p) => p.includes('"xmessage"'));
    expect(xm).toMatch(/_NET_WM_PID:\s+not found/);

    const line = desktopLine(check());
    expect(line.status).toBe('fail');
    expect(subjects(line)).toEqual(['xmessage']);
    const f = line.findings[0] as Finding;
    expect(f).toMatchObject({ code: 'unlisted-program', severity: 'warn' });
    expect(f.details).toMatchObject({ pid: child.pid, path: '/usr/bin/xmessage' });
    expect(f.message).toBe(
      `xmessage (process ${child.pid}, /usr/bin/xmessage) has a window on the desktop ("xmessage") and is not on this seat's list of allowed programs.`,
    );
  });

  test('a windowless process is not reported here; a catalog program without a window is, on its own line', async () => {
    const notes = await startNamedProcess('notes-helper');
    const ollama = await startNamedProcess('ollama');
    cleanups.push(
      () => notes.stop(),
      () => ollama.stop(),
    );
    const lines = check();
    expect(desktopLine(lines).status).toBe('pass');
    expect(lines.get('ai-assistant')?.findings.map((f) => f.subject)).toEqual(['Ollama']);
  });

  test("an allowed screen reader's window is not reported; the same name copied into a user's folder is", async () => {
    const installed = copyProgram('/usr/bin/xmessage', 'orca', 'installed');
    cleanups.push(installed.remove);
    await windowOf(installed.file, ['Orca preferences']);
    let line = desktopLine(check());
    expect(line.status).toBe('pass');
    expect(line.summary).toContain('Orca (a screen reader)');

    const copied = copyProgram('/usr/bin/xmessage', 'orca', 'user-folder');
    cleanups.push(copied.remove);
    const child = await windowOf(copied.file, ['my notes']);
    line = desktopLine(check());
    expect(subjects(line)).toEqual(['orca']);
    expect(line.findings[0]?.message).toContain(
      `orca (process ${child.pid}, ${copied.file}) has a window on the desktop ("orca"): it is named like Orca, which is allowed, but runs from`,
    );
    expect(line.findings[0]?.details).toMatchObject({ userWritable: true });
  });

  test('a program the catalog knows is reported on its own line, not twice', async () => {
    const signal = copyProgram('/usr/bin/xmessage', 'signal-desktop', 'installed');
    cleanups.push(signal.remove);
    await windowOf(signal.file);
    const lines = check();
    expect(lines.get('messaging')?.findings.map((f) => f.subject)).toEqual(['Signal']);
    expect(desktopLine(lines).status).toBe('pass');
  });

  test('an overlay that keeps itself out of the window manager (override-redirect) is still reported', async () => {
    // What the "undetectable" assistants do: no taskbar entry, not managed, drawn over everything.
    const script = join(x.dir, 'overlay.cjs');
    writeFileSync(
      script,
      `const x11 = require(${JSON.stringify(join(process.cwd(), 'node_modules/x11'))});
x11.createClient({ display: process.env.DISPLAY }, (err, d) => {
  if (err) process.exit(3);
  const X = d.client; const root = d.screen[0].root; const wid = X.AllocID();
  X.CreateWindow(wid, root, 10, 10, 300, 80, 0, 0, 0, 0, { overrideRedirect: 1, backgroundPixel: 0xffffff });
  X.MapWindow(wid);
  setInterval(() => {}, 1000);
});`,
    );
    const overlay = x.start(process.execPath, [script]);
    cleanups.push(() => ended(overlay));
    const line = await waitFor(
      'the overlay to be reported',
      () => {
        const l = desktopLine(check());
        return l.findings.length > 0 ? l : null;
      },
      15_000,
    );
    expect(subjects(line)).toEqual(['overlay.cjs']);
    expect(line.findings[0]?.details).toMatchObject({ pid: overlay.pid });
    // The window manager's client list does not hold it.
    expect(x.clientList()).toEqual([]);
  });

  test("the seat's config adds to the allowlist, and can make an unlisted program block the seat", async () => {
    await windowOf('xmessage');
    expect(desktopLine(check({ desktop: { allow: ['xmessage'] } })).status).toBe('pass');
    const line = desktopLine(check({ severity: { 'unlisted-program': 'block' } }));
    expect(line.findings.map((f) => [f.subject, f.severity])).toEqual([['xmessage', 'block']]);
  });
});

describe('the running agent', () => {
  test('hears a new window from the X server and reports it, and clears it when the window closes', async () => {
    const ws = agentWorkspace();
    cleanups.push(ws.remove);
    const agent = await startAgentProcess(ws, {}, { DISPLAY: x.display });
    cleanups.push(() => agent.stop());
    const has = (s: Awaited<ReturnType<typeof agentStatus>>) =>
      s.findings.some((f) => f.code === 'unlisted-program' && f.subject === 'xmessage');
    await waitFor('the first round', async () => !has(await agentStatus(ws.socket)) || null, 15_000);
    const child = await windowOf('xmessage');
    await waitFor('the window to be reported', async () => has(await agentStatus(ws.socket)) || null, 5000);
    child.kill('SIGKILL');
    await waitFor('the finding to clear', async () => !has(await agentStatus(ws.socket)) || null, 5000);
    const events = agentOutbox(ws.dataDir);
    expect(
      events
        .filter(
          (e) =>
            (e.type === 'event/finding-raised' && e.finding.subject === 'xmessage') ||
            (e.type === 'event/finding-cleared' && e.subject === 'xmessage'),
        )
        .map((e) => e.type),
    ).toEqual(['event/finding-raised', 'event/finding-cleared']);
  });
});

describe("as root, the candidate's display owned by another user", () => {
  test.runIf(process.getuid?.() === 0)(
    'the agent finds the display from its config, opens it with the X server’s own authority, and sees the windows',
    async () => {
      const nobody = await startXDesktop({ as: 'nobody', auth: true });
      cleanups.push(() => nobody.stop());
      const child = await nobody.window('xmessage', ['a note']);
      // No DISPLAY, no XAUTHORITY: the agent's service has neither; the config names the display.
      const line = desktopLine(
        check({ desktop: { display: nobody.display } }, { DISPLAY: '', XAUTHORITY: '' }),
      );
      expect(subjects(line)).toEqual(['xmessage']);
      expect(line.findings[0]?.details).toMatchObject({ pid: child.pid });
      const owner = execFileSync('ps', ['-o', 'user=', '-p', String(child.pid)], { encoding: 'utf8' }).trim();
      expect(owner).toBe('nobody');
    },
  );

  test.runIf(process.getuid?.() === 0)(
    'a display the agent may not open fails closed, saying why',
    async () => {
      const nobody = await startXDesktop({ as: 'nobody', auth: true, wm: false });
      cleanups.push(() => nobody.stop());
      // The server's authority file replaced by a FIFO: the agent must neither hang nor pass.
      execFileSync('rm', ['-f', nobody.auth as string]);
      execFileSync('mkfifo', [nobody.auth as string]);
      const line = desktopLine(
        check({ desktop: { display: nobody.display } }, { DISPLAY: '', XAUTHORITY: '' }),
      );
      expect(line.status).toBe('error');
      expect(line.findings[0]?.code).toBe('check-error');
      expect(line.summary).toMatch(new RegExp(`cannot open X display ${nobody.display}`));
    },
  );
});
