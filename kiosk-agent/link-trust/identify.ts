/**
 * Identifying the process behind a local-socket connection and judging it (connector.ts), with what
 * the seat's config says the managed browser and the installed host are.
 */
import { existsSync, realpathSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { AgentConfig } from '../../shared/schemas/config.ts';
import { seatExtensionId } from '../config.ts';
import { extensionOrigin } from '../native-host/host.ts';
import { type ConnectorExpectations, type InstalledHost, judgeConnector, type Verdict } from './connector.ts';
import { readsPolicyArguments } from './launch-audit.ts';
import { peerCredentials } from './peer-credentials.ts';
import { type ProcessFacts, processFacts } from './process-info.ts';

/** Where each managed browser installs its program, per OS (the config's `browser.executable` overrides). */
export const BROWSER_EXECUTABLES: Record<
  NodeJS.Platform | 'default',
  Partial<Record<AgentConfig['browser']['name'], string[]>>
> = {
  linux: {
    chromium: ['/usr/lib/chromium/chromium', '/usr/lib/chromium-browser/chromium-browser'],
    chrome: ['/opt/google/chrome/chrome'],
    edge: ['/opt/microsoft/msedge/msedge'],
    // Debian's firefox-esr and Mozilla's own package (/usr/bin/firefox* are links or scripts).
    firefox: ['/usr/lib/firefox-esr/firefox-esr', '/usr/lib/firefox/firefox'],
  },
  darwin: {
    chromium: ['/Applications/Chromium.app/Contents/MacOS/Chromium'],
    chrome: ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'],
    edge: ['/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge'],
    firefox: ['/Applications/Firefox.app/Contents/MacOS/firefox'],
  },
  win32: {
    chrome: [
      'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
      'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
    ],
    edge: [
      'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
      'C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe',
    ],
    firefox: ['C:\\Program Files\\Mozilla Firefox\\firefox.exe'],
  },
  default: {},
} as Record<NodeJS.Platform | 'default', Partial<Record<AgentConfig['browser']['name'], string[]>>>;

const resolved = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/** The managed browser's program(s) on this PC, resolved through links. */
export function managedBrowserExecutables(config: AgentConfig, platform = process.platform): string[] {
  if (config.browser.executable) return [resolved(config.browser.executable)];
  const known = BROWSER_EXECUTABLES[platform]?.[config.browser.name] ?? [];
  const present = known.filter((p) => existsSync(p));
  return [...new Set((present.length > 0 ? present : known).map(resolved))];
}

/** The installed host is this installation: the Node and the invigil.js the agent itself runs. */
export function thisInstallation(): InstalledHost {
  return { node: resolved(process.execPath), script: resolved(process.argv[1] ?? '') };
}

export function connectorExpectations(
  config: AgentConfig,
  socketPath: string,
  host: InstalledHost = thisInstallation(),
): ConnectorExpectations {
  const id = seatExtensionId(config);
  return {
    host,
    browserExecutables: managedBrowserExecutables(config),
    extensionId: id,
    extensionOrigin: extensionOrigin(id),
    ...(config.browser.name === 'firefox' ? { firefox: true } : {}),
    socketPath,
    launch: {
      userDataDir: config.browser.userDataDir,
      allowFlags: config.browser.allowFlags,
      firefoxMacPolicy: readsPolicyArguments(config.browser.name),
    },
    caseInsensitivePaths: process.platform === 'win32' || process.platform === 'darwin',
  };
}

export interface PeerInfo {
  /** The connecting process, as the OS sees it; null when it could not be told. */
  process: ProcessFacts | null;
  parent: ProcessFacts | null;
  verdict: Verdict;
  /** How long identifying and judging took, in microseconds (bench/agent/peer-check.bench.ts). */
  micros: number;
}

/**
 * Who connected, and whether it may speak for the browser. `pid` is given where the server already
 * knows it (a Windows pipe served through windows-pipe.ts); otherwise the kernel is asked.
 */
export function identifyPeer(socket: Socket, expect: ConnectorExpectations, pid?: number): PeerInfo {
  const started = process.hrtime.bigint();
  const done = (p: Omit<PeerInfo, 'micros'>): PeerInfo => ({
    ...p,
    micros: Number((process.hrtime.bigint() - started) / 1000n),
  });
  let peerPid = pid;
  if (peerPid === undefined) {
    try {
      peerPid = peerCredentials(socket).pid;
    } catch (error) {
      return done({
        process: null,
        parent: null,
        verdict: {
          ok: false,
          reason: `the agent cannot tell which program connected: ${(error as Error).message}`,
        },
      });
    }
  }
  let facts: ProcessFacts | null = null;
  let parent: ProcessFacts | null = null;
  try {
    facts = processFacts(peerPid);
    parent = facts.parentPid !== null && facts.parentPid > 0 ? processFacts(facts.parentPid) : null;
  } catch (error) {
    return done({
      process: facts,
      parent,
      verdict: {
        ok: false,
        reason: `the agent could not read process ${peerPid}: ${(error as Error).message}`,
      },
    });
  }
  return done({ process: facts, parent, verdict: judgeConnector(facts, parent, expect) });
}
