/**
 * The whole native-messaging chain with real Chromium: `invigil install-host --user-data-dir`
 * registers the host in a fresh profile, Chromium (with the built extension) starts it through the
 * manifest's wrapper, and frames from the extension's service worker reach a running agent.
 * The extension's own link code (extension/agent-link/) is another branch's; this test opens the
 * port from the worker itself, so that it depends only on the browser, the manifest and the host.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  type AgentProcess,
  agentWorkspace,
  assertBuilt,
  runInvigil,
  startAgentProcess,
  waitFor,
} from '../../helpers/agent-cli.ts';
import { connectAgentSocket, focusLost, hello, sampleReport } from '../../helpers/agent-frames.ts';
import { type LaunchedBrowser, launchWithExtension } from '../../helpers/chromium.ts';

const ws = agentWorkspace();
const profile = mkdtempSync(join(tmpdir(), 'invigil-profile-'));
let agent: AgentProcess;
let chromium: LaunchedBrowser;

beforeAll(async () => {
  assertBuilt();
  const r = runInvigil([
    'install-host',
    '--browser',
    'chromium',
    '--user-data-dir',
    profile,
    '--socket',
    ws.socket,
  ]);
  expect(r.status).toBe(0);
  agent = await startAgentProcess(ws, { browser: { userDataDir: profile } });
  chromium = await launchWithExtension({ userDataDir: profile });
}, 240_000);
afterAll(async () => {
  await chromium?.close();
  await agent?.stop();
  rmSync(profile, { recursive: true, force: true });
  ws.remove();
});

test("Chromium starts the registered host, and the extension's frames reach the agent and are acknowledged", async () => {
  const worker = await chromium.worker();
  const events = [focusLost(), focusLost()];
  await worker.evaluate(
    (h, report, batch) => {
      const g = globalThis as unknown as { nativeTest: { received: unknown[]; disconnected: string | null } };
      g.nativeTest = { received: [], disconnected: null };
      const port = chrome.runtime.connectNative('uk.invigil.agent');
      port.onMessage.addListener((m) => g.nativeTest.received.push(m));
      port.onDisconnect.addListener(() => {
        g.nativeTest.disconnected = chrome.runtime.lastError?.message ?? 'disconnected';
      });
      port.postMessage(h);
      port.postMessage({ type: 'report/compliance', report });
      port.postMessage({ type: 'event/batch', events: batch });
    },
    hello,
    sampleReport(),
    events,
  );
  const received = await waitFor(
    'the ack to reach the extension',
    async () => {
      const state = (await worker.evaluate(
        () => (globalThis as unknown as { nativeTest: unknown }).nativeTest,
      )) as {
        received: Record<string, unknown>[];
        disconnected: string | null;
      };
      if (state.disconnected) throw new Error(`the port closed: ${state.disconnected}`);
      return state.received.some((m) => m.type === 'event/ack') ? state.received : null;
    },
    30_000,
  );
  expect(received).toContainEqual({
    type: 'link/status',
    agent: 'connected',
    detail: 'connected to the Invigil agent',
  });
  expect(received).toContainEqual({ type: 'event/ack', ids: events.map((e) => e.id) });

  const c = await connectAgentSocket(ws.socket);
  c.send({ type: 'agent/status-request' });
  const reply = (await c.next((m) => m.type === 'agent/status')) as {
    status: { extension: { linked: boolean; reportAgeSeconds: number | null }; findings: { code: string }[] };
  };
  c.socket.destroy();
  expect(reply.status.extension.linked).toBe(true);
  expect(reply.status.extension.reportAgeSeconds).not.toBeNull();
  // The profile's host manifest is found, so the agent does not say the browser cannot reach it.
  expect(reply.status.findings.map((f) => f.code)).not.toContain('native-host-missing');

  const db = new Database(join(ws.dataDir, 'agent.sqlite'), { readonly: true });
  const ids = (db.prepare('SELECT id FROM outbox').all() as { id: string }[]).map((r) => r.id);
  db.close();
  for (const e of events) expect(ids).toContain(e.id);
});
