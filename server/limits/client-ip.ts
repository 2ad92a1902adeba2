/**
 * The client's address, for rate limits and audit. The custom server overwrites this header on every request
 * before Next.js sees it (a client-sent value never survives) with {@link clientAddress}'s answer.
 */
import net from "node:net";

export const CLIENT_IP_HEADER = "x-corrective-client-ip";

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) → `10.0.0.1`; anything else unchanged. */
export function normalizeAddress(address: string): string {
  const a = address.trim();
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(a) ? a.slice(7) : a;
}

/** A matcher for `TRUSTED_PROXIES` entries (addresses and CIDRs, validated by the configuration). */
export function trustedProxyMatcher(entries: readonly string[]): (address: string) => boolean {
  if (entries.length === 0) return () => false;
  const list = new net.BlockList();
  for (const entry of entries) {
    const [addr = "", bits] = entry.split("/");
    const type = net.isIP(addr) === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return (address) => {
    const a = normalizeAddress(address);
    const family = net.isIP(a);
    return family !== 0 && list.check(a, family === 6 ? "ipv6" : "ipv4");
  };
}

/**
 * The client address: the TCP peer, unless the peer is a trusted proxy — then `X-Forwarded-For` is read from
 * the right (the entry the nearest proxy appended) past every trusted hop, and the first address that is not a
 * trusted proxy is the client. Entries left of it were written by the client and are never believed; with no
 * trusted proxies configured the header is ignored entirely.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, isTrusted: (address: string) => boolean): string {
  const direct = normalizeAddress(peer ?? "") || "unknown";
  if (!isTrusted(direct) || forwardedFor === undefined) return direct;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
    .split(",")
    .map(normalizeAddress)
    .filter(Boolean);
  let client = direct;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (net.isIP(hop) === 0) break; // garbage: stop at the last address we could vouch for
    client = hop;
    if (!isTrusted(hop)) break;
  }
  return client;
}
