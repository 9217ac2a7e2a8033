/**
 * `--trust-proxy`: the addresses of a TLS-terminating proxy in front of the console. Requests from
 * them are taken at their word about the client's address, protocol and host (X-Forwarded-For,
 * -Proto, -Host); requests from anywhere else are not, so a client cannot claim another address to
 * escape the per-address limits.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly entries: string[];

  /** Each entry an IP address or a network (10.0.0.0/8); throws naming the first that is neither. */
  constructor(entries: readonly string[]) {
    this.entries = [];
    for (const raw of entries) {
      const entry = raw.trim();
      if (!entry) continue;
      const [address, bits, extra] = entry.split('/');
      const family = isIP(address ?? '');
      const prefix = bits === undefined ? null : Number(bits);
      const max = family === 6 ? 128 : 32;
      if (
        !family ||
        extra !== undefined ||
        (prefix !== null && (!Number.isInteger(prefix) || prefix < 0 || prefix > max || bits === ''))
      ) {
        throw new Error(entry);
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (prefix === null) this.list.addAddress(address as string, type);
      else this.list.addSubnet(address as string, prefix, type);
      this.entries.push(entry);
    }
  }

  trusts(address: string | undefined): boolean {
    if (!address || this.entries.length === 0) return false;
    const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
    const family = isIP(plain);
    return family !== 0 && this.list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }

  /** The client's address: the proxy's X-Forwarded-For (its last hop) when the peer is a trusted proxy. */
  clientAddress(req: IncomingMessage): string {
    const peer = req.socket.remoteAddress ?? 'unknown';
    const forwarded = req.headers['x-forwarded-for'];
    if (!this.trusts(peer) || typeof forwarded !== 'string') return peer;
    const hops = forwarded.split(',').map((h) => h.trim());
    return hops[hops.length - 1]?.slice(0, 64) || peer;
  }

  /** The host the client asked for: the proxy's X-Forwarded-Host when the peer is a trusted proxy. */
  host(req: IncomingMessage): string | undefined {
    const forwarded = req.headers['x-forwarded-host'];
    if (this.trusts(req.socket.remoteAddress) && typeof forwarded === 'string')
      return forwarded.split(',')[0]?.trim();
    return req.headers.host;
  }
}
