import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  type ConnectedDisplay,
  evaluateDisplays,
  parseXrandrOutputs,
  readDrmConnectors,
} from '../../../kiosk-agent/checks/displays.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const d = (
  name: string,
  x: number | null,
  y: number | null,
  main = false,
  enabled = x !== null,
): ConnectedDisplay => ({
  name,
  main,
  enabled,
  x,
  y,
  width: enabled ? 1920 : null,
  height: enabled ? 1080 : null,
});

describe('counting displays', () => {
  test('within the allowance passes and lists them', () => {
    expect(evaluateDisplays([d('eDP-1', 0, 0, true)], 1)).toMatchObject({
      status: 'pass',
      summary: '1 display connected (1 allowed): eDP-1.',
    });
    expect(evaluateDisplays([d('HDMI-1', 1920, 0), d('eDP-1', 0, 0, true)], 2).summary).toBe(
      '2 displays connected (2 allowed): eDP-1, HDMI-1.',
    );
  });

  test('each display beyond the allowance is a finding naming it; the main display is never the extra one', () => {
    const r = evaluateDisplays(
      [d('HDMI-1', 1920, 0), d('eDP-1', 0, 0, true), d('DP-2', 0, 0), d('DP-3', null, null)],
      1,
    );
    expect(r.findings.map((f) => [f.subject, f.message])).toEqual([
      [
        'DP-2',
        '4 displays are connected and 1 is allowed: DP-2 is one too many, showing the same picture as eDP-1 (mirrored).',
      ],
      [
        'DP-3',
        '4 displays are connected and 1 is allowed: DP-3 is one too many, switched off but connected.',
      ],
      ['HDMI-1', '4 displays are connected and 1 is allowed: HDMI-1 is one too many.'],
    ]);
    expect(r.findings.every((f) => f.severity === 'block' && f.code === 'display-count')).toBe(true);
  });

  test("xrandr's output lines: connected or not, switched on or not", () => {
    const text = [
      'Screen 0: minimum 320 x 200, current 3840 x 1080, maximum 16384 x 16384',
      'eDP-1 connected primary 1920x1080+0+0 (normal left inverted right x axis y axis) 344mm x 193mm',
      '   1920x1080     60.01*+',
      'HDMI-1 connected (normal left inverted right x axis y axis)',
      'DP-1 disconnected 1920x1080+1920+0 (normal left inverted right x axis y axis) 0mm x 0mm',
      'DP-2 disconnected (normal left inverted right x axis y axis)',
    ].join('\n');
    expect(parseXrandrOutputs(text)).toEqual([
      { name: 'eDP-1', connected: true, geometry: { width: 1920, height: 1080, x: 0, y: 0 } },
      { name: 'HDMI-1', connected: true, geometry: null },
      { name: 'DP-1', connected: false, geometry: { width: 1920, height: 1080, x: 1920, y: 0 } },
      { name: 'DP-2', connected: false, geometry: null },
    ]);
  });

  test('without X, the DRM connectors say what is plugged in', () => {
    const root = mkdtempSync(join(tmpdir(), 'invigil-drm-'));
    dirs.push(root);
    const connector = (name: string, status: string, enabled: string) => {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, 'status'), `${status}\n`);
      writeFileSync(join(root, name, 'enabled'), `${enabled}\n`);
    };
    mkdirSync(join(root, 'card0'));
    connector('card0-eDP-1', 'connected', 'enabled');
    connector('card0-HDMI-A-1', 'connected', 'disabled');
    connector('card0-DP-1', 'disconnected', 'disabled');
    const list = readDrmConnectors(root);
    expect(list.map((x) => [x.name, x.enabled])).toEqual([
      ['HDMI-A-1', false],
      ['eDP-1', true],
    ]);
    expect(evaluateDisplays(list, 1).findings).toHaveLength(1);
    expect(() => readDrmConnectors(join(root, 'card0'))).toThrow(/lists no display connectors/);
    expect(() => readDrmConnectors('/nonexistent/drm')).toThrow(
      /cannot be read, so connected displays cannot be counted/,
    );
  });
});
