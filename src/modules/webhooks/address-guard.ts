import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { AppError } from '../../lib/errors.ts';

/*
 * Outgoing requests to merchant-given URLs (webhooks, image fetches) never reach private,
 * loopback or link-local addresses unless the operator allows it: every DNS answer is checked and
 * the checked address is the one connected to.
 */

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** True for loopback, private, link-local, CGNAT, multicast and documentation addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

/** Resolves a host and refuses it when any of its addresses is private (unless allowed). */
export async function resolvePublic(
  host: string,
  allowPrivate: boolean,
): Promise<{ address: string; family: number }[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  const answers = isIP(bare) ? [{ address: bare, family: isIP(bare) }] : await lookup(bare, { all: true });
  if (!answers.length) throw new Error('no address');
  if (!allowPrivate && answers.some((a) => isPrivateAddress(a.address)))
    throw new AppError('validation_failed', 'merchant_api.webhook_url_private');
  return answers;
}

/**
 * A `lookup` for http(s).request that resolves through `resolvePublic`: the connection goes to
 * the address checked here (no DNS rebinding between check and connect). Node skips `lookup` for
 * IP literals: callers check those with `resolvePublic` first.
 */
export function publicLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolvePublic(hostname, allowPrivate).then(
      (answers) => {
        if ((options as { all?: boolean }).all)
          (callback as (e: null, a: typeof answers) => void)(null, answers);
        else callback(null, answers[0].address, answers[0].family);
      },
      (err: Error) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };
}
