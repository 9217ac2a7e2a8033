/**
 * What a console process does with a notice from another process on the same database (issue 12,
 * live-bus.ts): it re-reads what the notice names and shows it on its own dashboards. Notices about
 * seats, instructions and incidents are gathered for a few milliseconds (a room's statuses come as many notices);
 * re-reading hands, pauses and sittings runs once at a time, again if asked meanwhile.
 */
import type { LiveNotice } from '../../shared/schemas/live-notice.ts';
import { Batcher } from './batcher.ts';
import { helpView } from './help/help-service.ts';
import type { LiveHub } from './live.ts';
import type { LiveBus } from './live-bus.ts';
import type { Logger } from './logger.ts';
import type { SeatHub } from './seats/seat-hub.ts';
import type { Store } from './store/store.ts';

/** Runs `fn` once at a time; calls made while it runs make it run once more afterwards. */
function coalesced(fn: () => Promise<void>, onError: (error: unknown) => void): () => void {
  let running = false;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    fn()
      .catch(onError)
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          run();
        }
      });
  };
  return run;
}

export function connectLiveNotices(
  bus: LiveBus,
  hub: SeatHub,
  live: LiveHub,
  store: Pick<Store, 'incidentsByIds' | 'getHelpRequest'>,
  log: Logger,
): void {
  if (!bus.shared) return;
  const failed = (what: string) => (error: unknown) => log.error({ err: error }, `could not read ${what}`);
  const seats = new Batcher<string>({
    windowMs: 10,
    write: (ids) => hub.refreshPresence([...new Set(ids)]),
    onError: failed('seats changed by another console'),
  });
  const instructions = new Batcher<string>({
    windowMs: 10,
    write: (ids) => hub.refreshInstructions([...new Set(ids)]),
    onError: failed('instructions written by another console'),
  });
  // Incidents announced in the same few milliseconds (every event batch another process stores) are read
  // in one query, not one per notice.
  const incidents = new Batcher<string>({
    windowMs: 10,
    write: async (ids) => live.pushIncidents(await store.incidentsByIds([...new Set(ids)])),
    onError: failed('incidents recorded by another console'),
  });
  const handsAndPauses = coalesced(() => hub.refreshHandsAndPauses(), failed('hands and pauses'));
  const assignments = coalesced(() => hub.refreshAssignments(null), failed('sittings'));
  bus.setHandler({
    async notice(n: LiveNotice) {
      switch (n.k) {
        case 'seats':
          for (const id of n.ids) void seats.add(id);
          return;
        case 'instructions':
          for (const id of n.ids) void instructions.add(id);
          return;
        case 'incidents':
          for (const id of n.ids) void incidents.add(id);
          return;
        case 'hands-pauses':
          handsAndPauses();
          return;
        case 'sittings':
          assignments();
          live.pushSittings(n.centre, n.ids);
          return;
        case 'notices':
          live.pushNotices(n.centre);
          return;
        case 'help': {
          const request = await store.getHelpRequest(n.id);
          // The site is read from the database, never taken from the notice: the same rule as on the
          // process where it was asked (live.ts pushHelp).
          if (request && request.centreId === n.centre)
            live.pushHelp(request.centreId, request.siteId, helpView(request));
          return;
        }
        case 'seat-rows':
          await hub.refreshSeatRows(n.ids);
          return;
      }
    },
    async resync() {
      await hub.resync();
      live.refreshDashboards();
    },
  });
}
