/**
 * The whole seat, end to end: Chromium with the built extension starts the real `invigil native-host`
 * (registered by `invigil install-host` in the profile), which relays to a real `invigil agent`.
 * What the candidate does in the browser reaches the agent's durable store; an agent killed with
 * SIGKILL loses nothing and, once back, receives what happened meanwhile exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  type AgentProcess,
  agentOutbox,
  agentStatus,
  agentWorkspace,
  assertBuilt,
  runInvigil,
  startAgentProcess,
  waitFor,
} from '../../helpers/agent-cli.ts';
import { TEST_RIG_BROWSER_FLAGS } from '../../helpers/agent-seat.ts';
import { type LaunchedBrowser, launchWithExtension } from '../../helpers/chromium.ts';
import { extensionPage, isBlockedPage, readOutbox, waitForUrl } from '../../helpers/extension-state.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

const ws = agentWorkspace();
const profile = mkdtempSync(join(tmpdir(), 'invigil-profile-'));
let agent: AgentProcess;
let chromium: LaunchedBrowser;
let server: TestServer;
let control: Page;

const agentEvents = () => agentOutbox(ws.dataDir);

const agentConfig = {
  // The test drives its Chromium through puppeteer: flags the launch audit refuses on a real seat.
  browser: { userDataDir: profile, allowFlags: [...TEST_RIG_BROWSER_FLAGS] },
  // This machine is a virtual machine with no browser policy installed; those are not what this test is about.
  severity: { 'virtual-machine': 'info', 'browser-policy': 'info', 'extension-not-managed': 'info' },
};

async function visit(url: string): Promise<void> {
  const page = await chromium.browser.newPage();
  await page.goto(url).catch(() => undefined);
  await waitForUrl(page, isBlockedPage);
  await page.close();
}

beforeAll(async () => {
  assertBuilt();
  server = await startTestServer();
  const r = runInvigil([
    'install-host',
    '--browser',
    'chromium',
    '--user-data-dir',
    profile,
    '--socket',
    ws.socket,
  ]);
  expect(r.status, r.stderr).toBe(0);
  agent = await startAgentProcess(ws, agentConfig);
  chromium = await launchWithExtension({
    userDataDir: profile,
    hostMap: { 'awarding.theimi.org.uk': server.target, 'answers.example.net': server.target },
  });
  await chromium.worker();
  control = await extensionPage(chromium.browser);
}, 240_000);

afterAll(async () => {
  await chromium?.close();
  await agent?.stop();
  await server?.close();
  rmSync(profile, { recursive: true, force: true });
  ws.remove();
});

test("the extension's own link reaches the agent: its checklist becomes part of the seat's status", async () => {
  const status = await waitFor(
    'the extension to be linked and reporting',
    async () => {
      const s = await agentStatus(ws.socket);
      return s.extension.linked && s.extension.reportAgeSeconds !== null ? s : null;
    },
    60_000,
  );
  const checkIds = status.checks.map((c) => c.id);
  // Lines from the extension's report sit beside the agent's own checks.
  expect(checkIds).toEqual(
    expect.arrayContaining(['site-blocking', 'password-saving', 'autofill', 'display-count']),
  );
  expect(status.checks.find((c) => c.id === 'password-saving')?.status).toBe('pass');
  expect(status.findings.map((f) => f.code)).not.toContain('extension-silent');
});

test('a blocked navigation reaches the agent, and the extension deletes it once the agent has stored it', async () => {
  await visit('http://answers.example.net/first');
  const event = await waitFor(
    'the blocked navigation in the agent store',
    () =>
      agentEvents().find(
        (e) => e.type === 'event/blocked-navigation' && e.url === 'http://answers.example.net/first',
      ),
    30_000,
  );
  expect(event).toMatchObject({ reason: 'not-allowed', frame: 'main' });
  await waitFor(
    'the acknowledged event to leave the extension outbox',
    async () => !(await readOutbox(control)).some((e) => e.id === event.id),
    30_000,
  );
});

test('while the agent is killed, events wait in the extension; after it restarts they arrive once', async () => {
  await agent.kill9();
  await visit('http://answers.example.net/while-down');
  const waiting = await waitFor(
    'the event to wait in the extension outbox',
    async () =>
      (await readOutbox(control)).find(
        (e) => e.type === 'event/blocked-navigation' && e.url === 'http://answers.example.net/while-down',
      ),
    30_000,
  );
  // Nothing of it reached the agent's store while the agent was down.
  expect(agentEvents().some((e) => e.id === waiting.id)).toBe(false);

  agent = await startAgentProcess(ws, agentConfig);
  await waitFor(
    'the event to reach the restarted agent',
    () => agentEvents().some((e) => e.id === waiting.id),
    60_000,
  );
  await waitFor(
    'the extension outbox to drain',
    async () => !(await readOutbox(control)).some((e) => e.id === waiting.id),
    60_000,
  );
  // Stored exactly once, and the event from before the kill is still there (acknowledged means durable).
  const stored = agentEvents();
  expect(stored.filter((e) => e.id === waiting.id)).toHaveLength(1);
  expect(
    stored.filter(
      (e) => e.type === 'event/blocked-navigation' && e.url === 'http://answers.example.net/first',
    ),
  ).toHaveLength(1);
});
