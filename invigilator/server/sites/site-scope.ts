/**
 * Who sees which sites (issue 12). The centre coordinator (a coordinator with no site) sees every site
 * and may narrow what they read to one. Everyone else works at one site: an invigilator, and the own
 * coordinator a sub-contracted delivery site may be given (a coordinator account with a site), whose
 * coordinator powers stop at that site. Anything of another site is answered as if it did not exist
 * (404), so ids cannot be probed across sites. An account that should have a site and has none sees
 * nothing (fail closed).
 */
import { HttpError } from '../http-error.ts';

export interface Scoped {
  role: 'coordinator' | 'invigilator';
  siteId: string | null;
}

/** The centre coordinator: every site, and the centre's own settings. */
export function centreWide(s: Scoped): boolean {
  return s.role === 'coordinator' && s.siteId === null;
}

/** The sites this session may see: `undefined` for all of the centre's. */
export function siteScope(s: Scoped): readonly string[] | undefined {
  if (centreWide(s)) return undefined;
  return s.siteId ? [s.siteId] : [];
}

/**
 * The sites a list reads: the session's, narrowed to `filter` when one is asked for. A filter naming a
 * site outside the session's is a 404 (as the site would be by id).
 */
export function listScope(s: Scoped, filter?: string | null): readonly string[] | undefined {
  const scope = siteScope(s);
  if (!filter) return scope;
  if (scope && !scope.includes(filter)) throw new HttpError(404, 'No such site.', 'siteId');
  return [filter];
}

/** Whether a thing of `siteId` is visible to the session (the centre coordinator sees things of no site too). */
export function inScope(s: Scoped, siteId: string | null | undefined): boolean {
  const scope = siteScope(s);
  return scope === undefined || (siteId != null && scope.includes(siteId));
}

/** 403 unless the session is the centre coordinator's. */
export function requireCentreWide(s: Scoped, what = 'do this'): void {
  if (!centreWide(s))
    throw new HttpError(
      403,
      `Only the centre coordinator can ${what}: a site's own coordinator works within that site.`,
    );
}
