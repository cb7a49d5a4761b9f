/**
 * Which hosts a link preview may fetch from: public addresses only, so a pasted link can
 * never make the server reach loopback, private networks, link-local or cloud metadata
 * ranges. Hosts are judged as the WHATWG URL parser leaves them: it already turns decimal,
 * octal and hex IPv4 forms (http://2130706433/, http://0x7f.1/) into dotted quads, drops
 * userinfo (http://example.com@127.0.0.1/ names 127.0.0.1), and writes IPv6 compressed in
 * brackets.
 */

/** IPv4 ranges that are not the public internet: [first octets as a number, prefix length]. */
const REFUSED_V4: readonly [string, number][] = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local, cloud metadata (169.254.169.254)
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.88.99.0", 24], // 6to4 relay
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // documentation
  ["203.0.113.0", 24], // documentation
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
];

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** A dotted-quad IPv4 address as a 32-bit number, or null when `host` is not one. */
export function ipv4Number(host: string): number | null {
  const match = DOTTED_QUAD.exec(host);
  if (!match) return null;
  const octets = match.slice(1).map(Number);
  if (octets.some((octet) => octet > 255)) return null;
  return octets.reduce((value, octet) => value * 256 + octet, 0);
}

const inRange = (address: number, [base, bits]: [string, number]) =>
  Math.floor(address / 2 ** (32 - bits)) === Math.floor((ipv4Number(base) ?? 0) / 2 ** (32 - bits));

/** An IPv6 address (no brackets) as its eight 16-bit groups, or null when it is not one. */
export function ipv6Groups(text: string): number[] | null {
  let host = text.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  if (tail) {
    const v4 = ipv4Number(tail[1]);
    if (v4 === null) return null;
    host = `${host.slice(0, -tail[1].length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = host.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const [head, rest] = [parse(halves[0]), halves.length === 2 ? parse(halves[1]) : []];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return null;
  return groups.map((group) => Number.parseInt(group, 16));
}

/** Whether an IPv4 address is on the public internet. */
export function isPublicIPv4(address: string, allowLoopback = false): boolean {
  const value = ipv4Number(address);
  if (value === null) return false;
  if (allowLoopback && inRange(value, ["127.0.0.0", 8])) return true;
  return !REFUSED_V4.some((range) => inRange(value, range));
}

/**
 * Whether an IPv6 address is on the public internet: global unicast (2000::/3) only, less
 * the ranges in it that lead elsewhere. Everything outside it is refused, which covers
 * ::1, ::, IPv4-mapped (::ffff:0:0/96) and -compatible forms, NAT64, fc00::/7, fe80::/10
 * and multicast.
 */
export function isPublicIPv6(address: string, allowLoopback = false): boolean {
  const groups = ipv6Groups(address);
  if (!groups) return false;
  if (allowLoopback && groups.every((group, i) => group === (i === 7 ? 1 : 0))) return true;
  const [first, second] = groups;
  if (first < 0x2000 || first > 0x3fff) return false;
  if (first === 0x2001 && second < 0x0200) return false; // IETF protocols, Teredo
  if (first === 0x2001 && second === 0x0db8) return false; // documentation
  if (first === 0x2002) return false; // 6to4, which embeds any IPv4 address
  if (first === 0x3fff && second < 0x1000) return false; // documentation
  return true;
}

/** What to make of a URL's host: an address to check as it is, a name to resolve, or refused. */
export type HostVerdict = { kind: "address"; public: boolean } | { kind: "name"; name: string } | { kind: "refused" };

const REFUSED_NAME = /(^|\.)(localhost|internal|local|localdomain|home\.arpa|intranet|lan|corp)$/;

/** Judges a URL's hostname (as URL.hostname gives it). */
export function judgeHost(hostname: string, allowLoopback = false): HostVerdict {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[") && host.endsWith("]"))
    return { kind: "address", public: isPublicIPv6(host.slice(1, -1), allowLoopback) };
  if (ipv4Number(host) !== null) return { kind: "address", public: isPublicIPv4(host, allowLoopback) };
  // Single-label names resolve through search domains to whatever the local network says.
  if (!host.includes(".") || REFUSED_NAME.test(host)) return { kind: "refused" };
  if (!/^[a-z0-9.-]+$/.test(host)) return { kind: "refused" };
  return { kind: "name", name: host };
}

/** Whether a resolved address (A or AAAA data) is public. */
export const isPublicAddress = (address: string) =>
  address.includes(":") ? isPublicIPv6(address) : isPublicIPv4(address);
