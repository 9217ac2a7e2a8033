/**
 * An agent that starts before the browser (every boot, every agent restart): the seat is Not ready
 * until the extension's first report, but "no report yet" is not recorded as an incident unless the
 * silence outlasts the start-up grace.
 */
import { afterAll, expect, test } from 'vitest';
import { EXTENSION_STARTUP_GRACE_MS } from '../../../kiosk-agent/seat/agent.ts';
import {
  type AgentProcess,
  agentOutbox,
  agentStatus,
  agentWorkspace,
  startAgentProcess,
  waitFor,
} from '../../helpers/agent-cli.ts';
import { startXDisplay, type XDisplay } from '../../helpers/x-displays.ts';

const ws = agentWorkspace();
let agent: AgentProcess | undefined;
let x: XDisplay | undefined;

afterAll(async () => {
  await agent?.stop();
  await x?.stop();
  ws.remove();
});

const silentEvents = () =>
  agentOutbox(ws.dataDir).filter(
    (e) => e.type === 'event/finding-raised' && e.finding.code === 'extension-silent',
  );
const status = () => agentStatus(ws.socket);

test('before the browser has said anything the seat is Not ready, silently; after the grace the silence is recorded once', async () => {
  x = await startXDisplay(92);
  const started = Date.now();
  agent = await startAgentProcess(
    ws,
    { severity: { 'virtual-machine': 'info', 'browser-policy': 'info' } },
    {
      DISPLAY: x.display,
    },
  );
  const early = await waitFor('the first round of checks', async () => {
    const s = await status();
    return s.findings.some((f) => f.code === 'extension-silent') ? s : null;
  });
  expect(early.state).toBe('not-ready');
  // Within the grace: in the status, not in the record.
  expect(Date.now() - started).toBeLessThan(EXTENSION_STARTUP_GRACE_MS);
  expect(silentEvents()).toEqual([]);

  await waitFor(
    'the silence to be recorded after the grace',
    () => silentEvents().length > 0,
    EXTENSION_STARTUP_GRACE_MS + 20_000,
  );
  await new Promise((r) => setTimeout(r, 2000));
  expect(silentEvents()).toHaveLength(1);
  expect((await status()).state).toBe('not-ready');
}, 90_000);
