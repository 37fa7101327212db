import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Closed set of reasons an outbound URL is refused. */
export type UrlRefusedReason =
  | 'invalid_url'
  | 'protocol'
  | 'unresolvable'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'metadata'
  | 'reserved';

/** A tenant-controlled URL we will not call. The message names the host and the reason, never credentials. */
export class UrlRefusedError extends Error {
  override readonly name = 'UrlRefusedError';

  readonly host: string;

  constructor(readonly reason: UrlRefusedReason, problem: { host: string; detail: string; cause?: unknown }) {
    super(`refused ${problem.host === '' ? 'URL' : `host "${problem.host}"`}: ${problem.detail}`, { cause: problem.cause });
    this.host = problem.host;
  }
}

type Range = { reason: UrlRefusedReason; label: string; list: BlockList };

const range = (reason: UrlRefusedReason, label: string, subnets: [string, number, 'ipv4' | 'ipv6'][]): Range => {
  const list = new BlockList();
  for (const [net, prefix, family] of subnets) list.addSubnet(net, prefix, family);
  return { reason, label, list };
};

// Checked in order, so the most specific explanation wins (169.254.169.254 is "metadata", not "link-local").
// BlockList also matches IPv4-mapped IPv6 (::ffff:127.0.0.1) against the IPv4 subnets.
const RANGES: readonly Range[] = [
  range('metadata', 'a cloud metadata address', [
    ['169.254.169.254', 32, 'ipv4'],
    ['169.254.170.2', 32, 'ipv4'], // ECS task metadata
    ['100.100.100.200', 32, 'ipv4'], // Alibaba Cloud
    ['fd00:ec2::254', 128, 'ipv6'], // AWS over IPv6
  ]),
  range('unspecified', 'an unspecified address', [['0.0.0.0', 8, 'ipv4'], ['::', 128, 'ipv6']]),
  range('loopback', 'a loopback address', [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']]),
  range('private', 'a private address', [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT, internal to many clouds
    ['fc00::', 7, 'ipv6'],
  ]),
  range('link_local', 'a link-local address', [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']]),
  range('reserved', 'a multicast, broadcast or reserved address', [
    ['224.0.0.0', 4, 'ipv4'],
    ['240.0.0.0', 4, 'ipv4'],
    ['ff00::', 8, 'ipv6'],
  ]),
];

// Names that reach metadata services without going through the address ranges above on some resolvers.
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);

/** Why `address` (an IP literal) may not be called, or undefined when it is a public address. */
const refusalOf = (address: string): Range | undefined => {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  return RANGES.find((r) => r.list.check(address, family));
};

const resolve = async (host: string): Promise<string[]> => {
  if (isIP(host) !== 0) return [host];
  try {
    return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch (error) {
    throw new UrlRefusedError('unresolvable', { host, detail: 'the name does not resolve', cause: error });
  }
};

/**
 * Refuses a URL a tenant controls unless it is http(s) and every address its host resolves to is public
 * (DESIGN §7). A name that resolves to both a public and a private address is refused: the client might
 * pick either. Resolution happens again when the request is made, so this narrows DNS rebinding, it does
 * not close it; callers re-check on each connection.
 */
export const assertPublicUrl = async (url: string | URL, options: { allowPrivate: boolean }): Promise<URL> => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new UrlRefusedError('invalid_url', { host: '', detail: 'not a valid URL', cause: error });
  }
  // WHATWG URL brackets IPv6 hosts and normalises odd IPv4 spellings (0x7f.1, 2130706433) to dotted quads.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UrlRefusedError('protocol', { host, detail: `only http and https are allowed, not ${parsed.protocol.slice(0, -1)}` });
  }
  if (options.allowPrivate) return parsed;
  if (METADATA_HOSTS.has(host.toLowerCase().replace(/\.$/, ''))) {
    throw new UrlRefusedError('metadata', { host, detail: 'is a cloud metadata service' });
  }
  for (const address of await resolve(host)) {
    const refused = refusalOf(address);
    if (refused) {
      const via = address === host ? '' : ` (resolves to ${address})`;
      throw new UrlRefusedError(refused.reason, { host, detail: `is ${refused.label}${via}` });
    }
  }
  return parsed;
};
