import ipaddr from 'ipaddr.js';

/**
 * The key under which a client address is counted by the per-address limits.
 *
 * - An IPv4-mapped IPv6 address (`::ffff:203.0.113.7`, how a dual-stack socket reports an
 *   IPv4 peer) is the IPv4 address: one host, one count, whichever way it connected.
 * - An IPv6 address is its network of `ipv6PrefixLength` bits (a /64 by default): a
 *   subscriber usually gets a whole /64, and could otherwise take a fresh address, and so a
 *   fresh count, for every request.
 * - Anything unparseable (no socket address in a test, a proxy's odd value) is kept as it is.
 */
const DOTTED_QUAD = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

export function addressKey(ip: string | undefined, ipv6PrefixLength: number): string {
  if (ip === undefined || ip === '') return 'unknown';
  // Fast paths for how Node reports IPv4 peers (most requests): no parse needed.
  if (DOTTED_QUAD.test(ip)) return ip;
  if (ip.startsWith('::ffff:') && DOTTED_QUAD.test(ip.slice(7))) return ip.slice(7);
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(ip);
  } catch {
    return ip;
  }
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  if (ipv6PrefixLength >= 128) return v6.toNormalizedString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${v6.toString()}/${ipv6PrefixLength}`).toString()}/${ipv6PrefixLength}`;
}
