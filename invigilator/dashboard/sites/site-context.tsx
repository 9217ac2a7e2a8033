/**
 * Sites on the dashboard (issue 12): the sites the signed-in person sees, and the centre coordinator's
 * site filter, shared by the seat map, sittings, incidents, records and the QA report (kept for the tab
 * in sessionStorage). Everyone else sees their own site only: the console enforces it, the filter is
 * not offered.
 */
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import type { MeResponse } from '../../../shared/schemas/console-api.ts';
import type { SiteView } from '../../../shared/schemas/sites.ts';
import { call } from '../api.ts';
import { Field } from '../components.tsx';

export interface Sites {
  sites: SiteView[];
  /** The centre coordinator: every site, a filter, and the Sites page's site controls. */
  centreWide: boolean;
  /** The filter: a site's id, or null for every site. */
  siteId: string | null;
  setSiteId(id: string | null): void;
  /** Fetch the sites again (after adding or renaming one). */
  reload(): void;
  nameOf(id: string | null | undefined): string;
}

const KEY = 'invigil.site-filter';

export const SitesContext = createContext<Sites>({
  sites: [],
  centreWide: false,
  siteId: null,
  setSiteId: () => undefined,
  reload: () => undefined,
  nameOf: () => '',
});

export function useSites(): Sites {
  return useContext(SitesContext);
}

export function useSitesState(me: MeResponse | null | undefined): Sites {
  const [sites, setSites] = useState<SiteView[]>([]);
  const [version, setVersion] = useState(0);
  const [siteId, setSiteIdState] = useState<string | null>(() => sessionStorage.getItem(KEY));
  const centreWide = Boolean(me && me.invigilator.role === 'coordinator' && !me.site);
  useEffect(() => {
    if (!me) return;
    call('listSites').then(
      (r) => setSites(r.sites),
      () => undefined,
    );
  }, [me, version]);
  const setSiteId = useCallback((id: string | null) => {
    if (id) sessionStorage.setItem(KEY, id);
    else sessionStorage.removeItem(KEY);
    setSiteIdState(id);
  }, []);
  // A filter left from before (a site now gone, or someone who is not the centre coordinator) is dropped.
  const filter = centreWide && siteId && sites.some((s) => s.id === siteId) ? siteId : null;
  return {
    sites,
    centreWide,
    siteId: filter,
    setSiteId,
    reload: () => setVersion((v) => v + 1),
    nameOf: (id) => sites.find((s) => s.id === id)?.name ?? '',
  };
}

/** The filter's query part: `{ siteId }` when one site is chosen. */
export function siteQuery(sites: Sites): { siteId?: string } {
  return sites.siteId ? { siteId: sites.siteId } : {};
}

/** The centre coordinator's site filter (nothing for anyone else, or for a centre of one site). */
export function SiteFilter() {
  const s = useSites();
  if (!s.centreWide || s.sites.length < 2) return null;
  return (
    <label class="inline-field">
      <span>Site</span>
      <select
        id="site-filter"
        value={s.siteId ?? ''}
        onChange={(e) => s.setSiteId(e.currentTarget.value || null)}
      >
        <option value="">All sites</option>
        {s.sites.map((site) => (
          <option key={site.id} value={site.id}>
            {site.name} ({site.kindLabel})
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * Which site something new belongs to, for the centre coordinator (a centre of several sites); everyone
 * else's is their own site, so nothing is shown. '' is the lead site (or, for a coordinator account, the whole centre).
 */
export function SiteSelect({
  id,
  value,
  onChange,
  emptyLabel = 'Lead site',
  hint,
}: {
  id: string;
  value: string;
  onChange: (siteId: string) => void;
  emptyLabel?: string;
  hint?: string;
}) {
  const s = useSites();
  if (!s.centreWide || s.sites.length < 2) return null;
  return (
    <Field label="Site" {...(hint ? { hint } : {})}>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">{emptyLabel}</option>
        {s.sites
          .filter((site) => site.kind !== 'lead' || emptyLabel !== 'Lead site')
          .map((site) => (
            <option key={site.id} value={site.id}>
              {site.name} ({site.kindLabel})
            </option>
          ))}
      </select>
    </Field>
  );
}
