/**
 * The client's address, for the login, signup and socket handshake limits. Behind a load balancer
 * every request comes from the balancer, so its `X-Forwarded-For` names the client; but anyone
 * can send that header, so it is believed only when the peer is a proxy listed in TRUST_PROXY
 * (CIDRs). Then the header is read from the right, skipping our own proxies: the first address
 * that is not one of them is the client (the entries left of it were written by the client and
 * prove nothing). Without TRUST_PROXY, or from any other peer, the socket's own address is used.
 */
import { BlockList, isIP } from 'node:net';

export type ClientAddress = (peer: string, forwardedFor: string | undefined) => string;

/** IPv4 peers may come as IPv4-mapped IPv6 (::ffff:10.0.0.1); compared and counted as IPv4. */
function normal(address: string): string {
  const a = address.trim();
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(a);
  return m ? m[1]! : a;
}

function family(address: string): 'ipv4' | 'ipv6' | undefined {
  const f = isIP(address);
  return f === 4 ? 'ipv4' : f === 6 ? 'ipv6' : undefined;
}

export function createClientAddress(trustProxy: readonly string[]): ClientAddress {
  const trusted = new BlockList();
  for (const cidr of trustProxy) {
    const [addr, bits] = cidr.split('/') as [string, string];
    const f = family(normal(addr));
    if (f) trusted.addSubnet(normal(addr), Number(bits), f);
  }
  const isTrusted = (a: string) => {
    const f = family(a);
    return f !== undefined && trusted.check(a, f);
  };
  return (peer, forwardedFor) => {
    const from = normal(peer);
    if (trustProxy.length === 0 || !forwardedFor || !isTrusted(from)) return from;
    const hops = forwardedFor.split(',').map(normal).slice(-32);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (!family(hop)) return from; // a malformed entry: nothing left of it can be trusted
      if (!isTrusted(hop)) return hop;
    }
    return hops[0] && family(hops[0]) ? hops[0] : from;
  };
}
