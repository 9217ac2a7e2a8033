/**
 * Live updates for dashboards (WebSocket /api/live, signed-in invigilators only). Seat changes are
 * coalesced: each dashboard gets at most one `live/seats` message per push interval (default 25 ms)
 * holding the latest view of every seat that changed, so a burst of 10,000 heartbeats and statuses
 * costs one serialisation per centre per interval, not one per message.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { incidentKindLabel } from '../../shared/catalogs/incidents.ts';
import type { IncidentView, LiveToDashboard, SeatView } from '../../shared/schemas/console-api.ts';
import type { HelpRequestView } from '../../shared/schemas/help.ts';
import type { LiveBus } from './live-bus.ts';
import type { Logger } from './logger.ts';
import type { SeatHub } from './seats/seat-hub.ts';
import type { IncidentRow } from './store/store.ts';

export interface LiveSession {
  centreId: string;
  invigilatorId: string;
  /** The session's token hash, so that signing out closes its live connections too. */
  tokenHash: string;
  /** The sites it sees (sites/site-scope.ts): undefined for the centre coordinator's, every site. */
  sites?: readonly string[] | undefined;
}

/** Whether a dashboard of this session may hear about a thing of `siteId`. */
function sees(session: LiveSession, siteId: string | null | undefined): boolean {
  return session.sites === undefined || (siteId != null && session.sites.includes(siteId));
}

/**
 * A dashboard with this much waiting to be sent to it (beyond its snapshot, which for a large centre
 * is bigger) is not reading: it is dropped, and reconnects for a fresh snapshot.
 */
const MAX_UNSENT_BYTES = 1024 * 1024;

export function incidentView(r: IncidentRow): IncidentView {
  return {
    id: r.id,
    siteId: r.siteId,
    at: r.at,
    kind: r.kind,
    kindLabel: incidentKindLabel(r.kind),
    source: r.source,
    description: r.description,
    sittingId: r.sittingId,
    seatId: r.seatId,
    pcName: r.pcName,
    candidateName: r.candidateName,
    registrationNumber: r.registrationNumber,
    recordedBy: r.recordedBy,
    count: r.count,
    lastAt: r.lastAt,
  };
}

export class LiveHub {
  readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  private readonly clients = new Map<WebSocket, LiveSession>();
  /** How much may wait unsent for each dashboard: 1 MB, plus its snapshot until that has gone. */
  private readonly allowance = new Map<WebSocket, number>();
  private dirty = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  readonly stats = { pushes: 0, dropped: 0 };
  /** A sitting's site (it never changes), for dashboards that see one site only; set by the app. */
  siteOfSitting: (id: string) => Promise<string | null | undefined> = async () => undefined;
  private readonly sittingSites = new Map<string, string | null>();

  /** Changes made here are announced to the other console processes on the same database (issue 12). */
  private readonly bus: LiveBus;

  constructor(
    private readonly hub: SeatHub,
    private readonly log: Logger,
    private readonly pushMs = 25,
  ) {
    this.bus = hub.bus;
    hub.onChange({
      seatsChanged: (ids) => {
        if (this.clients.size === 0) return;
        for (const id of ids) this.dirty.add(id);
        this.schedule();
      },
      incidentsAdded: (rows) => this.incidents(rows),
      noticesChanged: (centreId) => this.noticesChanged(centreId),
      sittingsChanged: (centreId, ids) => this.sittingsChanged(centreId, ids),
    });
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      try {
        this.flush();
      } catch (error) {
        this.timer = null;
        this.log.error({ err: error }, 'live push failed');
      }
    }, this.pushMs);
  }

  private flush(): void {
    this.timer = null;
    const ids = this.dirty;
    this.dirty = new Set();
    if (ids.size === 0 || this.clients.size === 0) return;
    const byCentre = new Map<string, { view: SeatView; siteId: string | null }[]>();
    for (const id of ids) {
      const v = this.hub.view(id);
      const row = this.hub.seatRow(id);
      if (!v || !row) continue;
      const list = byCentre.get(row.centreId) ?? [];
      list.push({ view: v, siteId: row.siteId });
      byCentre.set(row.centreId, list);
    }
    const serverTime = new Date().toISOString();
    // One serialisation per centre (and per site seen alone), however many dashboards.
    const payloads = new Map<string, string | null>();
    const payloadFor = (session: LiveSession): string | null => {
      const key =
        session.sites === undefined ? session.centreId : `${session.centreId}/${session.sites.join(',')}`;
      let p = payloads.get(key);
      if (p === undefined) {
        const seats = (byCentre.get(session.centreId) ?? []).filter((x) => sees(session, x.siteId));
        p =
          seats.length === 0
            ? null
            : JSON.stringify({
                type: 'live/seats',
                serverTime,
                seats: seats.map((x) => x.view),
              } satisfies LiveToDashboard);
        payloads.set(key, p);
      }
      return p;
    };
    for (const [ws, session] of this.clients) {
      const p = payloadFor(session);
      if (p) this.sendRaw(ws, p);
    }
    this.stats.pushes++;
  }

  private sendRaw(ws: WebSocket, payload: string): void {
    if (ws.readyState !== ws.OPEN) return;
    const unsent = ws.bufferedAmount;
    if (unsent <= MAX_UNSENT_BYTES) this.allowance.delete(ws);
    if (unsent > (this.allowance.get(ws) ?? MAX_UNSENT_BYTES)) {
      this.stats.dropped++;
      this.log.warn({ unsent }, 'dashboard not reading: disconnected');
      this.clients.delete(ws);
      this.allowance.delete(ws);
      ws.close(4008, 'too far behind; reconnect for a fresh snapshot');
      // A peer that reads nothing never takes the close either.
      setTimeout(() => ws.terminate(), 5000).unref();
      return;
    }
    ws.send(payload);
  }

  /** Replacement requests or refused-connection notices changed: dashboards refetch them (on every process). */
  noticesChanged(centreId: string): void {
    this.pushNotices(centreId);
    this.bus.publish({ k: 'notices', centre: centreId });
  }

  pushNotices(centreId: string): void {
    const payload = JSON.stringify({ type: 'live/notices' } satisfies LiveToDashboard);
    for (const [ws, session] of this.clients) if (session.centreId === centreId) this.sendRaw(ws, payload);
  }

  /** Incidents recorded or counted again here: to this process's dashboards and, by id, to the others. */
  incidents(rows: readonly IncidentRow[]): void {
    this.pushIncidents(rows);
    if (rows.length > 0) this.bus.publish({ k: 'incidents', ids: [...new Set(rows.map((r) => r.id))] });
  }

  pushIncidents(rows: readonly IncidentRow[]): void {
    const byCentre = new Map<string, { view: IncidentView; siteId: string | null }[]>();
    for (const r of rows) {
      const list = byCentre.get(r.centreId) ?? [];
      list.push({ view: incidentView(r), siteId: r.siteId });
      byCentre.set(r.centreId, list);
    }
    for (const [ws, session] of this.clients) {
      const list = byCentre
        .get(session.centreId)
        ?.filter((x) => sees(session, x.siteId))
        .map((x) => x.view);
      if (list?.length)
        this.sendRaw(
          ws,
          JSON.stringify({ type: 'live/incidents', incidents: list } satisfies LiveToDashboard),
        );
    }
  }

  sittingsChanged(centreId: string, sittingIds: string[]): void {
    this.pushSittings(centreId, sittingIds);
    this.bus.publish({ k: 'sittings', centre: centreId, ids: sittingIds });
  }

  pushSittings(centreId: string, sittingIds: string[]): void {
    const payload = JSON.stringify({ type: 'live/sittings', sittingIds } satisfies LiveToDashboard);
    let siteLimited = false;
    for (const [ws, session] of this.clients) {
      if (session.centreId !== centreId) continue;
      if (session.sites === undefined) this.sendRaw(ws, payload);
      else siteLimited = true;
    }
    // Dashboards that see one site hear only of its sittings (once their sites are looked up).
    if (siteLimited)
      void this.sittingsBySite(sittingIds)
        .then((sites) => {
          for (const [ws, session] of this.clients) {
            if (session.centreId !== centreId || session.sites === undefined) continue;
            const mine = sittingIds.filter((id) => sees(session, sites.get(id)));
            if (mine.length)
              this.sendRaw(
                ws,
                JSON.stringify({ type: 'live/sittings', sittingIds: mine } satisfies LiveToDashboard),
              );
          }
        })
        .catch((error: unknown) =>
          this.log.error({ err: error }, 'live sittings: could not look up their sites'),
        );
  }

  private async sittingsBySite(ids: readonly string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    for (const id of ids) {
      let site = this.sittingSites.get(id);
      if (site === undefined) {
        site = (await this.siteOfSitting(id)) ?? null;
        if (this.sittingSites.size > 10_000) this.sittingSites.clear();
        if (site !== null) this.sittingSites.set(id, site);
      }
      out.set(id, site);
    }
    return out;
  }

  /**
   * Issue 13: help summoned or acknowledged, to every dashboard signed in at the centre that sees its
   * site (issue 12), on this process and (through the bus) on the others. Help of no site is
   * centre-wide: every dashboard at the centre hears it.
   */
  help(centreId: string, siteId: string | null, request: HelpRequestView): void {
    this.pushHelp(centreId, siteId, request);
    this.bus.publish({ k: 'help', centre: centreId, id: request.id });
  }

  pushHelp(centreId: string, siteId: string | null, request: HelpRequestView): void {
    const payload = JSON.stringify({ type: 'live/help', request } satisfies LiveToDashboard);
    for (const [ws, session] of this.clients)
      if (session.centreId === centreId && (siteId === null || sees(session, siteId)))
        this.sendRaw(ws, payload);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, session: LiveSession): void {
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.clients.set(ws, session);
      ws.on('close', () => {
        this.clients.delete(ws);
        this.allowance.delete(ws);
      });
      ws.on('error', (e) => this.log.debug({ err: e.message }, 'dashboard socket error'));
      // Dashboards only listen: what they send is never parsed (and is at most 4 KB a frame).
      ws.on('message', () => undefined);
      const snapshot = JSON.stringify({
        type: 'live/snapshot',
        serverTime: new Date().toISOString(),
        seats: this.hub.views(session.centreId).filter((v) => sees(session, this.hub.seatRow(v.id)?.siteId)),
      } satisfies LiveToDashboard);
      this.allowance.set(ws, MAX_UNSENT_BYTES + snapshot.length);
      ws.send(snapshot);
    });
  }

  /**
   * Notices from other processes may have been missed (the live channel was lost): every dashboard is
   * closed so that it reconnects for a fresh snapshot and fetches its lists again.
   */
  refreshDashboards(): void {
    for (const ws of this.clients.keys()) ws.close(4012, 'reconnect for a fresh snapshot');
  }

  /** Signing out ends the session's live connections at once. */
  closeSession(tokenHash: string): void {
    for (const [ws, session] of this.clients)
      if (session.tokenHash === tokenHash) ws.close(4001, 'signed out');
  }

  get dashboards(): number {
    return this.clients.size;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const ws of this.clients.keys()) ws.close(1001, 'console stopping');
    this.wss.close();
  }
}
