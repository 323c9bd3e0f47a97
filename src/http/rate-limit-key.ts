import { isIPv4, isIPv6 } from 'node:net';
import type { FastifyRequest } from 'fastify';

/**
 * The per-address key of the rate limits: an IPv4 address as is (an IPv4-mapped IPv6 address as its
 * IPv4 form), an IPv6 address as its /64 network, since one subscriber holds a whole /64 and could
 * otherwise rotate addresses to escape the limit (the plugin's default does the same).
 *
 * A request whose client has already disconnected (it waited in the queue of a busy server and
 * timed out) has no address left: `req.ip` is undefined and the plugin's default key generator
 * throws, which logged an error and answered 500 to nobody under load. Such a request gets a key
 * of its own; it is answered or dropped like any other.
 */
export function rateLimitKey(req: FastifyRequest): string {
  return addressKey(req.ip) ?? `gone:${req.id}`;
}

/** The key of one address (see rateLimitKey); undefined when there is no usable address. */
export function addressKey(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip.toLowerCase();
  const groups = expandIPv6(ip.toLowerCase());
  // ::ffff:a.b.c.d (and its hexadecimal spelling) is an IPv4 client seen through a dual-stack socket.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join('.');
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (zone index dropped, embedded IPv4 converted). */
function expandIPv6(ip: string): number[] {
  let text = ip.split('%')[0];
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => Number.parseInt(g, 16));
}
