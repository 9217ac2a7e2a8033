import { describe, expect, test } from 'vitest';
import type { ConnectedDisplay } from '../../../../kiosk-agent/checks/displays.ts';
import {
  BROWSER_DISPLAYS_CHECK,
  compareDisplays,
  displaysTheBrowserShouldSee,
  evaluateExtension,
} from '../../../../kiosk-agent/checks/extension-report.ts';
import { sampleReport } from '../../../helpers/agent-frames.ts';

const screen = (name: string, x: number | null, enabled = true): ConnectedDisplay => ({
  name,
  main: name === 'HDMI-1',
  enabled,
  x,
  y: x === null ? null : 0,
  width: 1920,
  height: 1080,
});

describe('how many displays the browser should see of those the agent lists', () => {
  test.each([
    ['one monitor', [screen('HDMI-1', 0)], 1],
    ['two side by side', [screen('HDMI-1', 0), screen('DP-1', 1920)], 2],
    ['two mirrored (one picture)', [screen('HDMI-1', 0), screen('DP-1', 0)], 1],
    ['one connected but switched off', [screen('HDMI-1', 0), screen('DP-1', null, false)], 1],
    ['no positions known (DRM)', [screen('HDMI-A-1', null), screen('DP-1', null)], 2],
  ])('%s → %i', (_, displays, count) => {
    expect(displaysTheBrowserShouldSee(displays)).toBe(count);
  });
});

describe("the browser's count against the agent's", () => {
  test('the same count passes, saying both', () => {
    const line = compareDisplays(sampleReport({ displays: { count: 2 } }), [
      screen('HDMI-1', 0),
      screen('DP-1', 1920),
    ]);
    expect(line).toMatchObject({
      id: BROWSER_DISPLAYS_CHECK.id,
      status: 'pass',
      summary: 'The browser and the agent both see 2 displays.',
    });
  });

  test('the browser seeing more than the agent blocks the seat, naming both counts', () => {
    const line = compareDisplays(sampleReport({ displays: { count: 2 } }), [screen('HDMI-1', 0)]);
    expect(line?.status).toBe('fail');
    expect(line?.findings).toEqual([
      expect.objectContaining({
        code: 'display-count-mismatch',
        severity: 'block',
        source: 'agent',
        subject: 'browser 2, agent 1',
        message:
          'The browser sees 2 displays but the agent sees 1 display: a display the agent cannot see is attached to the browser.',
        details: { browser: 2, agent: 1, agentListed: 1 },
      }),
    ]);
  });

  test('the browser seeing fewer needs attention', () => {
    const line = compareDisplays(sampleReport({ displays: { count: 1 } }), [
      screen('HDMI-1', 0),
      screen('DP-1', 1920),
    ]);
    expect(line?.findings[0]).toMatchObject({ code: 'display-count-mismatch', severity: 'warn' });
    expect(line?.findings[0]?.message).toContain(
      'The browser sees 1 display but the agent sees 2 displays switched on',
    );
  });

  test('nothing to compare: no line (an older extension, a count it could not read, no listing yet)', () => {
    expect(compareDisplays(sampleReport(), [screen('HDMI-1', 0)])).toBeNull();
    expect(
      compareDisplays(sampleReport({ displays: { count: null, error: 'no permission' } }), [
        screen('HDMI-1', 0),
      ]),
    ).toBeNull();
    expect(compareDisplays(sampleReport({ displays: { count: 1 } }), undefined)).toBeNull();
  });

  test("the comparison is one of the extension's lines the seat is judged on", () => {
    const now = Date.now();
    const e = evaluateExtension(
      {
        report: sampleReport({ displays: { count: 3 } }),
        receivedAt: now,
        linked: true,
        displays: [screen('HDMI-1', 0)],
      },
      now,
      true,
    );
    expect(e.reportChecks.find((c) => c.id === BROWSER_DISPLAYS_CHECK.id)?.findings[0]?.code).toBe(
      'display-count-mismatch',
    );
  });
});
