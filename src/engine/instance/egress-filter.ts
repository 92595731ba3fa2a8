import { existsSync } from 'node:fs';
import { runCommand } from '../system/run-command.js';
import { formatAddress, mergeRanges, parseRange, type AddressRange } from './address-ranges.js';

/**
 * What a networked build (`user` networking, slirp4netns) may reach. slirp4netns turns every
 * connection of the instance into a socket of the engine's own network namespace, so without a
 * filter a build reaches whatever the host reaches, the host itself included (a service bound to
 * 0.0.0.0 answers on every host address; `--disable-host-loopback` only covers 127/8 and the
 * 10.0.2.2 gateway). The filter lives in the instance's network namespace, which Kiln creates in
 * the host's user namespace: a build has no CAP_NET_ADMIN over it (not in Docker's capability
 * set, and a user namespace of its own gives none over a namespace it does not own), so it can
 * neither change nor remove the rules. They go away with the namespace.
 *
 * In order, for every packet that leaves the instance:
 *  1. its own loopback is free;
 *  2. DNS (UDP and TCP port 53) to slirp4netns' forwarder 10.0.2.3 passes. The forwarder relays
 *     the query to the resolvers in the host's /etc/resolv.conf, which may be host or private
 *     addresses: builds can resolve names, and that is all they get of those resolvers (any other
 *     port of 10.0.2.3 is refused, whatever the libslirp version would make of it);
 *  3. the host is refused, whatever the allow-list says: every address the engine's network
 *     namespace treats as its own (its `local` routing table: interface addresses, broadcast and
 *     anycast addresses, local prefixes), read when the network starts; loopback, 0.0.0.0/8,
 *     :: and ::1, IPv4-mapped IPv6, and slirp4netns' own 10.0.2.0/24 (its gateway is the host).
 *     A local route to `default` (transparent proxies) makes the whole family the host's: only
 *     DNS passes then (see `localRouteRanges`);
 *  4. the allow-list (`KILN_NETWORK_ALLOW`) passes;
 *  5. private and special-purpose ranges are refused (`PRIVATE_RANGES`);
 *  6. everything else (the internet) passes.
 *
 * Two tables say the same: an `inet` output chain, which sees every packet a socket sends and
 * refuses with an ICMP error so that a call fails at once instead of hanging; and a `netdev`
 * egress chain on tap0 that reads the frame as slirp4netns will, so that frames written to the
 * device directly (packet sockets, possible with CAP_NET_RAW) meet the same rules. The egress
 * chain passes only ARP and IPv4: slirp4netns runs without IPv6.
 */

/** slirp4netns' virtual network: the gateway (10.0.2.2) is the host, 10.0.2.3 its DNS forwarder. */
const SLIRP_NETWORK = '10.0.2.0/24';
const SLIRP_DNS = '10.0.2.3';

/** The host in every namespace: refused even when the allow-list covers it. */
export const HOST_RANGES: readonly string[] = [
  '0.0.0.0/8', // "this host"; connecting to 0.0.0.0 reaches the local machine
  '127.0.0.0/8',
  SLIRP_NETWORK,
  '::/96', // :: and ::1, and the deprecated IPv4-compatible addresses
  '::ffff:0:0/96', // IPv4-mapped: ::ffff:127.0.0.1 is the host's loopback
];

/** Refused unless the allow-list opens them: networks near the host rather than the internet. */
export const PRIVATE_RANGES: readonly string[] = [
  '10.0.0.0/8', // RFC 1918
  '100.64.0.0/10', // carrier-grade NAT; also cloud metadata services (100.100.100.200)
  '169.254.0.0/16', // link-local; also cloud metadata services (169.254.169.254)
  '172.16.0.0/12', // RFC 1918
  '192.0.0.0/24', // IETF protocol assignments
  '192.168.0.0/16', // RFC 1918
  '198.18.0.0/15', // benchmarking
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, and the limited broadcast 255.255.255.255
  '64:ff9b:1::/48', // local-use NAT64
  '100::/64', // discard-only
  'fc00::/7', // unique local
  'fe80::/10', // link-local
  'fec0::/10', // site-local (deprecated)
  'ff00::/8', // multicast
];

export interface EgressPolicy {
  /** Never reachable (step 3 above). */
  host: AddressRange[];
  /** Reachable although in `private` (step 4). */
  allowed: AddressRange[];
  /** Not reachable unless allowed (step 5). */
  private: AddressRange[];
}

/** The policy for a network started now: the host's current addresses, the allow-list, the private ranges. */
export async function currentEgressPolicy(allowed: readonly AddressRange[]): Promise<EgressPolicy> {
  return {
    host: [...HOST_RANGES.map((r) => parseRange(r)), ...(await hostAddressRanges())],
    allowed: [...allowed],
    private: PRIVATE_RANGES.map((r) => parseRange(r)),
  };
}

/**
 * Every destination this network namespace delivers locally: the `local`, `broadcast` and
 * `anycast` routes of its routing tables (the kernel adds one for each interface address, and
 * an administrator's `ip route add local 10.8.0.0/16 dev lo` makes a whole prefix the host's).
 * See `localRouteRanges` for routes that name no prefix.
 */
export async function hostAddressRanges(warn: (message: string) => void = warnOnce): Promise<AddressRange[]> {
  const out: AddressRange[] = [];
  // A kernel booted with IPv6 off has no IPv6 routes to list (and `ip -6` fails).
  const families = existsSync('/proc/sys/net/ipv6') ? [4, 6] as const : [4] as const;
  for (const family of families) {
    const r = await runCommand('ip', ['-j', `-${family}`, 'route', 'show', 'table', 'all']);
    out.push(...localRouteRanges(JSON.parse(r.stdout || '[]') as LocalRoute[], family, warn));
  }
  return out;
}

/** A route as `ip -j route show table all` lists it. */
export interface LocalRoute {
  type?: string;
  dst?: string;
  table?: string;
}

/**
 * The destinations the `local`, `broadcast` and `anycast` routes among `routes` (all of one
 * family) deliver to this host. A route to `default` (transparent-proxy setups add
 * `local default dev lo table <n>`, shown as `default` for 0.0.0.0/0 and ::/0) says every
 * address of its family may be delivered to the host: the whole family counts as the host, so a
 * build on such a host reaches DNS and nothing else of that family. A route whose destination
 * cannot be read is treated the same way: it might cover any address. Both fail closed rather
 * than failing every networked build; `warn` says which route did it.
 */
export function localRouteRanges(routes: readonly LocalRoute[], family: 4 | 6, warn: (message: string) => void): AddressRange[] {
  const out: AddressRange[] = [];
  const everything = parseRange(family === 4 ? '0.0.0.0/0' : '::/0');
  for (const route of routes) {
    if (route.dst === undefined || !['local', 'broadcast', 'anycast'].includes(route.type ?? '')) continue;
    const where = `${route.type} route to ${JSON.stringify(route.dst)}${route.table ? ` in table ${route.table}` : ''}`;
    if (route.dst === 'default') {
      warn(`kiln: the host has a ${where}: every IPv${family} address may be the host's, so networked builds reach only DNS over IPv${family}`);
      out.push(everything);
      continue;
    }
    try {
      const range = parseRange(route.dst, false);
      if (range.family !== family) throw new Error(`not an IPv${family} destination`);
      out.push(range);
    } catch (err) {
      warn(`kiln: cannot read the host's ${where} (${(err as Error).message}): every IPv${family} address counts as the host's, so networked builds reach only DNS over IPv${family}`);
      out.push(everything);
    }
  }
  return out;
}

const warned = new Set<string>();
/** Says a thing once per process: every networked build reads the routes again. */
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message);
}

/** nftables elements for an `ipv4_addr`/`ipv6_addr` interval set. */
function addressElements(ranges: readonly AddressRange[], family: 4 | 6): string {
  return mergeRanges(ranges, family)
    .map((r) => (r.first === r.last ? formatAddress(family, r.first) : `${formatAddress(family, r.first)}-${formatAddress(family, r.last)}`))
    .join(', ');
}

/** nftables elements for a 32-bit raw payload interval set (the IPv4 destination read from the frame). */
function integerElements(ranges: readonly AddressRange[]): string {
  return mergeRanges(ranges, 4)
    .map((r) => (r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`))
    .join(', ');
}

function set(name: string, key: string, elements: string): string {
  return `  set ${name} { ${key}; flags interval;${elements ? ` elements = { ${elements} }` : ''} }`;
}

/** Payload offsets in bits of an Ethernet frame carrying IPv4 (header without options). */
const FRAME = {
  etherType: '@ll,96,16',
  versionAndLength: '@ll,112,8',
  protocol: '@ll,184,8',
  destination: '@ll,240,32',
  destinationPort: '@ll,288,16',
};

/** The nftables ruleset (for `nft -f`) of an instance namespace whose slirp4netns device is `device`. */
export function egressRuleset(policy: EgressPolicy, device: string): string {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(device)) throw new Error(`bad device name ${JSON.stringify(device)}`);
  const dns = parseRange(SLIRP_DNS).first;
  const refuse = 'reject with icmpx admin-prohibited';
  return [
    'table inet kiln_egress {',
    set('host_v4', 'type ipv4_addr', addressElements(policy.host, 4)),
    set('host_v6', 'type ipv6_addr', addressElements(policy.host, 6)),
    set('allowed_v4', 'type ipv4_addr', addressElements(policy.allowed, 4)),
    set('allowed_v6', 'type ipv6_addr', addressElements(policy.allowed, 6)),
    set('private_v4', 'type ipv4_addr', addressElements(policy.private, 4)),
    set('private_v6', 'type ipv6_addr', addressElements(policy.private, 6)),
    '  chain output {',
    '    type filter hook output priority filter; policy accept;',
    '    oif lo accept',
    `    ip daddr ${SLIRP_DNS} meta l4proto { tcp, udp } th dport 53 accept`,
    `    ip daddr @host_v4 ${refuse}`,
    `    ip6 daddr @host_v6 ${refuse}`,
    '    ip daddr @allowed_v4 accept',
    '    ip6 daddr @allowed_v6 accept',
    `    ip daddr @private_v4 ${refuse}`,
    `    ip6 daddr @private_v6 ${refuse}`,
    '  }',
    '}',
    'table netdev kiln_egress_frames {',
    set('host_v4', `typeof ${FRAME.destination}`, integerElements(policy.host)),
    set('allowed_v4', `typeof ${FRAME.destination}`, integerElements(policy.allowed)),
    set('private_v4', `typeof ${FRAME.destination}`, integerElements(policy.private)),
    '  chain egress {',
    `    type filter hook egress device "${device}" priority filter; policy drop;`,
    `    ${FRAME.etherType} 0x0806 accept`,
    `    ${FRAME.etherType} != 0x0800 drop`,
    `    ${FRAME.versionAndLength} 0x45 ${FRAME.protocol} { 6, 17 } ${FRAME.destination} ${dns} ${FRAME.destinationPort} 53 accept`,
    `    ${FRAME.destination} @host_v4 drop`,
    `    ${FRAME.destination} @allowed_v4 accept`,
    `    ${FRAME.destination} @private_v4 drop`,
    '    accept',
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * Loads the egress rules into the network namespace `nsName` (one `nft -f` transaction: all of
 * it or nothing). Call it after slirp4netns has created `device` and before anything of the
 * build runs there.
 */
export async function installEgressFilter(nsName: string, device: string, allowed: readonly AddressRange[]): Promise<void> {
  const ruleset = egressRuleset(await currentEgressPolicy(allowed), device);
  try {
    await runCommand('ip', ['netns', 'exec', nsName, 'nft', '-f', '-'], { input: ruleset });
  } catch (err) {
    throw new Error(`could not install the network egress filter of ${nsName} (nftables, Linux 5.16 or later): ${(err as Error).message}`);
  }
}
