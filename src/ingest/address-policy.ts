import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent } from 'undici';
import { FeedError } from './errors.js';

/**
 * Which addresses a URL from outside (an item's link, a redirect) may reach. Only public unicast
 * addresses: never loopback, private, link-local (cloud metadata at 169.254.169.254), CGNAT,
 * multicast, reserved or unspecified ones, unless the operator allow-lists the host. The check is
 * made on the address the socket connects to (after DNS, inside the connection), so a name that
 * resolves to a public address for the check and to 127.0.0.1 for the connection cannot pass.
 */
export class AddressPolicy {
  private readonly hosts = new Set<string>();
  private readonly ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  /** A connection pool whose sockets check their resolved address before they connect. */
  readonly dispatcher: Agent;

  constructor(allow: readonly string[] = []) {
    for (const entry of allow) {
      const e = entry.trim().toLowerCase();
      if (e.includes('/')) this.ranges.push(ipaddr.parseCIDR(e));
      else this.hosts.add(e.replace(/^\[|\]$/g, ''));
    }
    this.dispatcher = new Agent({ connect: { lookup: this.lookup } });
  }

  /**
   * Refuses a URL that is not http(s), or whose host is an internal IP literal (those are
   * connected to without a DNS lookup, so the lookup check alone would miss them).
   */
  check(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused(url.href, `only http and https are fetched, not ${url.protocol}`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (this.allowsHost(host, url.port)) return;
    if (ipaddr.isValid(host)) {
      const why = this.internal(host);
      if (why) throw refused(url.href, `${host} is a ${why} address`);
    }
  }

  /** Has the operator allowed this host (by name, `name:port`, IP or CIDR range)? */
  allowsHost(host: string, port = ''): boolean {
    const h = host.toLowerCase();
    if (this.hosts.has(h) || (port && this.hosts.has(`${h}:${port}`))) return true;
    return ipaddr.isValid(h) && this.inAllowedRange(h);
  }

  /** Why an address is internal ('loopback', 'private' …), or undefined for a public one. */
  internal(address: string): string | undefined {
    if (this.inAllowedRange(address)) return undefined;
    let ip = ipaddr.parse(address);
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
    const range = ip.range();
    return range === 'unicast' ? undefined : range;
  }

  private inAllowedRange(address: string): boolean {
    if (!this.ranges.length) return false;
    const ip = ipaddr.process(address);
    return this.ranges.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits));
  }

  /** dns.lookup that fails when any resolved address of a not allow-listed name is internal. */
  private readonly lookup: LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      if (!this.allowsHost(hostname)) {
        for (const a of list) {
          const why = this.internal(a.address);
          if (why) return callback(Object.assign(new Error(`refused: ${hostname} resolves to ${a.address}, a ${why} address`), { code: 'EADDRREFUSED' }), '', 0);
        }
      }
      if (options.all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      else callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

function refused(url: string, why: string): FeedError {
  return new FeedError('refused', `refused to fetch ${url}: ${why}`);
}
