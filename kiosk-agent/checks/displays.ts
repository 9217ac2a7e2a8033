/**
 * `display-count`: more displays connected than allowed. Mirrored outputs and outputs that are
 * connected but switched off count too: either can be switched on, or shown to someone else.
 *
 * Where the list comes from:
 * - Windows, macOS and Linux with X11 (DISPLAY set): systeminformation's `si.graphics()` (xrandr on
 *   Linux; it lists every connected output, enabled or not).
 * - Linux without X (Wayland, the console): the DRM connectors' `status` files under
 *   /sys/class/drm, which the kernel keeps current as cables come and go.
 *
 * `si.graphics()` on Linux also runs lspci, clinfo and xdpyinfo and makes X probe every output
 * (about 35 ms of CPU here, and on some hardware a probe reads each monitor's EDID). So the daemon
 * watches cheaply instead (`xrandr --current` reports the server's state without probing; the DRM
 * status files cost nothing) and runs the full listing when that changes.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import si from 'systeminformation';
import type { CheckResult } from '../../shared/schemas/common.ts';
import { defineCheck } from './check.ts';
import { agentFinding, checkResult } from './results.ts';

export const DISPLAY_CHECK = {
  id: 'display-count',
  title: 'Only the allowed number of displays is connected',
};

export interface ConnectedDisplay {
  /** The output's name (HDMI-1, DP-2, DUMMY0) or, failing that, the monitor's model. */
  name: string;
  main: boolean;
  /** False when connected but switched off. */
  enabled: boolean;
  x: number | null;
  y: number | null;
  width: number | null;
  height: number | null;
}

export type DisplaySource = 'systeminformation' | 'drm';

/** Which way this machine's displays are read. */
export function displaySource(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): DisplaySource {
  if (platform !== 'linux') return 'systeminformation';
  return env.DISPLAY ? 'systeminformation' : 'drm';
}

export interface XrandrOutput {
  name: string;
  /** What the output reports: `connected` or `disconnected`. */
  connected: boolean;
  /** Switched on: it has a mode and a position. */
  geometry: { width: number; height: number; x: number; y: number } | null;
}

/** The output lines of `xrandr --current` ("HDMI-1 connected primary 1920x1080+0+0 ..."). */
export function parseXrandrOutputs(text: string): XrandrOutput[] {
  const out: XrandrOutput[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+) (connected|disconnected)\b(.*)$/.exec(line);
    if (!m) continue;
    const g = /(\d+)x(\d+)\+(-?\d+)\+(-?\d+)/.exec(m[3] ?? '');
    out.push({
      name: m[1] as string,
      connected: m[2] === 'connected',
      geometry: g ? { width: Number(g[1]), height: Number(g[2]), x: Number(g[3]), y: Number(g[4]) } : null,
    });
  }
  return out;
}

function xrandrCurrent(): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('xrandr', ['--current'], { timeout: 5000 }, (error, stdout) => resolve(error ? null : stdout));
  });
}

export async function listDisplays(source: DisplaySource = displaySource()): Promise<ConnectedDisplay[]> {
  if (source === 'drm') return readDrmConnectors();
  const [g, current] = await Promise.all([
    si.graphics(),
    process.platform === 'linux' ? xrandrCurrent() : null,
  ]);
  const outputs = parseXrandrOutputs(current ?? '');
  const displays = g.displays.map((d, i): ConnectedDisplay => {
    const name = d.connection || d.deviceName || d.model || `display ${i + 1}`;
    // X's current geometry is the better source for "switched on, and where": systeminformation
    // leaves the current resolution at 0 for modes it does not recognise.
    const o = outputs.find((out) => out.name === name);
    if (o)
      return {
        name,
        main: d.main,
        enabled: o.geometry !== null,
        ...(o.geometry ?? { x: null, y: null, width: null, height: null }),
      };
    const enabled = d.currentResX !== null && d.currentResX > 0;
    return {
      name,
      main: d.main,
      enabled,
      x: enabled ? d.positionX : null,
      y: enabled ? d.positionY : null,
      width: d.currentResX,
      height: d.currentResY,
    };
  });
  // An output that is switched on counts even when it says "disconnected": monitors behind some
  // adapters, splitters and KVM switches send no hot-plug signal, and still show the picture.
  // systeminformation lists only outputs that report a connection, so X's own list fills the gap.
  for (const o of outputs) {
    if (o.connected || !o.geometry || displays.some((d) => d.name === o.name)) continue;
    displays.push({ name: o.name, main: false, enabled: true, ...o.geometry });
  }
  if (displays.length === 0) {
    // Every PC has at least one: an empty list means the listing failed (no xrandr, no X access).
    throw new Error(
      process.platform === 'linux'
        ? `no display found on X display ${process.env.DISPLAY ?? '(unset)'} (is xrandr installed, and may this user open that display?)`
        : 'no display found',
    );
  }
  return displays;
}

/** Linux without X: connectors whose kernel status is `connected` (enabled or not). */
export function readDrmConnectors(root = '/sys/class/drm'): ConnectedDisplay[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    throw new Error(`${root} cannot be read, so connected displays cannot be counted`);
  }
  const out: ConnectedDisplay[] = [];
  for (const entry of entries.sort()) {
    // Connectors are card<N>-<type>-<n> (card0-HDMI-A-1); card<N> itself is the GPU.
    const m = /^card\d+-(.+)$/.exec(entry);
    if (!m) continue;
    let status: string;
    try {
      status = readFileSync(join(root, entry, 'status'), 'utf8').trim();
    } catch {
      continue;
    }
    if (status !== 'connected') continue;
    let enabled = true;
    try {
      enabled = readFileSync(join(root, entry, 'enabled'), 'utf8').trim() === 'enabled';
    } catch {}
    out.push({
      name: m[1] as string,
      main: out.length === 0,
      enabled,
      x: null,
      y: null,
      width: null,
      height: null,
    });
  }
  if (out.length === 0 && !entries.some((e) => /^card\d+-/.test(e))) {
    throw new Error(`${root} lists no display connectors (no DRM driver?), so displays cannot be counted`);
  }
  return out;
}

/** The display this one mirrors (same position, both on), if any. */
function mirrorOf(d: ConnectedDisplay, all: readonly ConnectedDisplay[]): ConnectedDisplay | undefined {
  if (!d.enabled || d.x === null || d.y === null) return undefined;
  return all.find((o) => o !== d && o.enabled && o.x === d.x && o.y === d.y);
}

export function evaluateDisplays(displays: readonly ConnectedDisplay[], allowed: number): CheckResult {
  const ordered = [...displays].sort(
    (a, b) => Number(b.main) - Number(a.main) || a.name.localeCompare(b.name),
  );
  const names = ordered.map((d) => d.name).join(', ');
  const findings = ordered.slice(allowed).map((d) => {
    const mirror = mirrorOf(d, ordered);
    const how = mirror
      ? `, showing the same picture as ${mirror.name} (mirrored)`
      : d.enabled
        ? ''
        : ', switched off but connected';
    return agentFinding(
      'display-count',
      `${ordered.length} displays are connected and ${allowed} ${allowed === 1 ? 'is' : 'are'} allowed: ${d.name} is one too many${how}.`,
      {
        subject: d.name,
        details: { connected: ordered.length, allowed, mirrored: mirror !== undefined, enabled: d.enabled },
      },
    );
  });
  return checkResult(
    DISPLAY_CHECK.id,
    DISPLAY_CHECK.title,
    findings,
    `${ordered.length} display${ordered.length === 1 ? '' : 's'} connected (${allowed} allowed): ${names}.`,
    `${ordered.length} displays connected, ${allowed} allowed: ${names}.`,
  );
}

/**
 * A cheap fingerprint of the display setup, for the daemon to notice a change between full
 * listings: the DRM statuses, or X's current output lines (no probe). Null when there is no cheap
 * way (Windows, macOS, no xrandr): then the daemon lists displays in full every interval.
 */
export async function displayFingerprint(source: DisplaySource = displaySource()): Promise<string | null> {
  if (process.platform !== 'linux') return null;
  if (source === 'drm') {
    try {
      return JSON.stringify(readDrmConnectors());
    } catch {
      return null;
    }
  }
  const current = await xrandrCurrent();
  return current === null ? null : JSON.stringify(parseXrandrOutputs(current));
}

// ---- the check ----

export interface DisplaysState {
  source: DisplaySource;
  /** The last cheap fingerprint (polling), the time of the last full listing, and its result. */
  lastPrint: string | null | undefined;
  lastFull: number;
  results: CheckResult[] | null;
  /** The latest full listing, for comparing with the browser's own count (extension-report.ts). */
  latest: ConnectedDisplay[] | undefined;
  /** RandR said the layout changed since the last listing. */
  dirty: boolean;
  unsubscribe: () => void;
}

/**
 * In the daemon, a full listing runs when something changed, and every `slowChecksMs` anyway. What
 * says "changed": on an X display, the X server itself (RandR's screen-change notification, through
 * the desktop session's connection: nothing is polled); failing that, `xrandr --current` or the DRM
 * status files every `displaysMs` (displayFingerprint).
 */
export const displaysCheck = defineCheck<DisplaysState>({
  id: 'displays',
  lines: [DISPLAY_CHECK],
  intervalMs: (config) => config.intervals.displaysMs,
  setup(ctx) {
    const state: DisplaysState = {
      source: displaySource(),
      lastPrint: undefined,
      lastFull: 0,
      results: null,
      latest: undefined,
      dirty: true,
      unsubscribe: () => {},
    };
    if (ctx.daemon) {
      state.unsubscribe = ctx.desktop.onScreenChanged(() => {
        state.dirty = true;
        ctx.wake();
      });
    }
    return state;
  },
  async run(ctx, s) {
    const listen = ctx.daemon && s.source === 'systeminformation' && process.platform === 'linux';
    // The X connection is the desktop check's too; opening it here only makes sure RandR is heard.
    const x = listen ? await ctx.desktop.x11().catch(() => null) : null;
    const hears = listen && ctx.desktop.hearsScreenChanges;
    let due = !ctx.daemon || s.results === null || s.dirty;
    if (!due && hears && x && Date.now() - s.lastFull >= ctx.config.intervals.slowChecksMs) {
      // Hearing RandR, the periodic look is a probe by the X server itself, not a full listing
      // (which runs lspci, clinfo, xdpyinfo and xrandr): a change it finds is announced (dirty).
      s.lastFull = Date.now();
      await x.probeOutputs().catch(() => {
        due = true;
      });
    } else if (ctx.daemon && Date.now() - s.lastFull >= ctx.config.intervals.slowChecksMs) due = true;
    if (!due && !hears) {
      const print = await displayFingerprint(s.source);
      due = print === null || print !== s.lastPrint;
      s.lastPrint = print;
    }
    if (!due && s.results) return s.results;
    s.dirty = false;
    s.lastFull = Date.now();
    s.latest = undefined;
    try {
      const list = await listDisplays(s.source);
      s.latest = list;
      s.results = [evaluateDisplays(list, ctx.config.displays.allowed)];
    } catch (error) {
      s.results = null;
      throw error;
    }
    return s.results;
  },
  stop(s) {
    s.unsubscribe();
  },
});
