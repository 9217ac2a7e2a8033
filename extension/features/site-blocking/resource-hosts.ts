/**
 * Requests that are not page or frame loads (scripts, images, fetch, WebSocket, a service worker's
 * fetches...): which hosts outside the allowlist the assessment pages contacted, for IT to see what
 * the assessment needs before turning on `allowedResourceHosts` (which blocks the rest, in rules.ts).
 * Only the set of hosts is reported (not a running count), so the report changes only when a new
 * host or kind of request appears.
 */
import { hostAllowed, urlHost } from '../../../shared/rules/hosts.ts';
import type { ResourceHost } from '../../../shared/schemas/report.ts';

export const MAX_RESOURCE_HOSTS = 100;

export interface ResourceRequest {
  url: string;
  type: string;
  tabId: number;
  /** The origin of the document (or worker) that made the request. */
  initiator?: string | undefined;
}

export interface ResourcePolicy {
  allowedHosts: readonly string[];
  allowedResourceHosts?: readonly string[] | undefined;
}

/** The request's host when it is one to report: a web request from a web page, to a host not allowed. */
export function reportableHost(request: ResourceRequest, policy: ResourcePolicy): string | null {
  if (!request.initiator || !/^https?:\/\//i.test(request.initiator)) return null;
  const host = urlHost(request.url);
  if (host === null || hostAllowed(host, policy.allowedHosts)) return null;
  return host;
}

/** Adds one request to the list; returns the same list when nothing new was learnt. */
export function noteRequest(
  hosts: readonly ResourceHost[],
  request: ResourceRequest,
  policy: ResourcePolicy,
  now: Date,
): readonly ResourceHost[] {
  const host = reportableHost(request, policy);
  if (host === null) return hosts;
  const blocked =
    policy.allowedResourceHosts !== undefined &&
    !hostAllowed(host, [...policy.allowedHosts, ...policy.allowedResourceHosts]);
  // No tab: a service worker (or shared worker) of the page made it, where it can act for the page.
  const fromWorker = request.tabId < 0;
  const i = hosts.findIndex((h) => h.host === host);
  const known = hosts[i];
  if (!known) {
    if (hosts.length >= MAX_RESOURCE_HOSTS) return hosts;
    return [
      ...hosts,
      { host, types: [request.type.slice(0, 32)], blocked, fromWorker, firstSeen: now.toISOString() },
    ];
  }
  const types =
    known.types.includes(request.type) || known.types.length >= 15
      ? known.types
      : [...known.types, request.type.slice(0, 32)];
  if (types === known.types && known.blocked === blocked && (known.fromWorker || !fromWorker)) return hosts;
  const next = [...hosts];
  next[i] = { ...known, types, blocked, fromWorker: known.fromWorker || fromWorker };
  return next;
}

/** The policy changed: whether each host is blocked follows it. */
export function reclassify(hosts: readonly ResourceHost[], policy: ResourcePolicy): ResourceHost[] {
  return hosts
    .filter((h) => !hostAllowed(h.host, policy.allowedHosts))
    .map((h) => ({
      ...h,
      blocked:
        policy.allowedResourceHosts !== undefined &&
        !hostAllowed(h.host, [...policy.allowedHosts, ...policy.allowedResourceHosts]),
    }));
}
