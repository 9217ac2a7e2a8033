/**
 * The dashboard's live connection (/api/live): a snapshot of every seat, then coalesced updates.
 * Reconnects on its own; while it is down the page says so instead of showing stale states as current.
 */
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { IncidentView, LiveToDashboard, SeatView } from '../../shared/schemas/console-api.ts';
import type { HelpRequestView } from '../../shared/schemas/help.ts';

export interface LiveState {
  seats: Map<string, SeatView>;
  connected: boolean;
  /** Incidents that arrived since the page opened, newest first. */
  incidents: IncidentView[];
  /** Bumped when someone changed a sitting, so open sitting pages refetch. */
  sittingsVersion: number;
  /** Bumped when notices (replacement requests, refused connections) changed, so they are refetched. */
  noticesVersion: number;
  /** Issue 13: help summoned (or acknowledged) since the page opened, by id; dashboard/help merges them. */
  help: Map<string, HelpRequestView>;
}

export const LiveContext = createContext<LiveState>({
  seats: new Map(),
  connected: false,
  incidents: [],
  sittingsVersion: 0,
  noticesVersion: 0,
  help: new Map(),
});

export function useLive(): LiveState {
  return useContext(LiveContext);
}

export function useLiveConnection(enabled: boolean): LiveState {
  const [state, setState] = useState<LiveState>({
    seats: new Map(),
    connected: false,
    incidents: [],
    sittingsVersion: 0,
    noticesVersion: 0,
    help: new Map(),
  });
  const retry = useRef(500);
  useEffect(() => {
    if (!enabled) return;
    let ws: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let stopped = false;
    const connect = () => {
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`;
      ws = new WebSocket(url);
      ws.onopen = () => {
        retry.current = 500;
      };
      ws.onmessage = (e) => {
        const msg = JSON.parse(String(e.data)) as LiveToDashboard;
        setState((prev) => {
          switch (msg.type) {
            case 'live/snapshot':
              return { ...prev, connected: true, seats: new Map(msg.seats.map((s) => [s.id, s])) };
            case 'live/seats': {
              const seats = new Map(prev.seats);
              for (const s of msg.seats) seats.set(s.id, s);
              return { ...prev, seats };
            }
            case 'live/incidents': {
              // A repeat comes again with the same id and a higher count: it replaces the earlier copy.
              const fresh = new Set(msg.incidents.map((i) => i.id));
              return {
                ...prev,
                incidents: [
                  ...[...msg.incidents].reverse(),
                  ...prev.incidents.filter((i) => !fresh.has(i.id)),
                ].slice(0, 500),
              };
            }
            case 'live/sittings':
              return { ...prev, sittingsVersion: prev.sittingsVersion + 1 };
            case 'live/notices':
              return { ...prev, noticesVersion: prev.noticesVersion + 1 };
            case 'live/help':
              return { ...prev, help: new Map(prev.help).set(msg.request.id, msg.request) };
            default:
              return prev;
          }
        });
      };
      ws.onclose = () => {
        setState((prev) => ({ ...prev, connected: false }));
        if (stopped) return;
        timer = setTimeout(connect, retry.current);
        retry.current = Math.min(10_000, retry.current * 2);
      };
    };
    connect();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      ws?.close();
    };
  }, [enabled]);
  return state;
}

/** Re-renders every second: "last heard 4 s ago" stays true. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}
