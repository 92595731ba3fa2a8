import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP address ranges as inclusive integer intervals, so that CIDR blocks, single addresses and
 * the host's routes can be merged and written out for nftables (which refuses overlapping
 * interval elements) without depending on its auto-merge.
 */
export interface AddressRange {
  family: 4 | 6;
  first: bigint;
  last: bigint;
}

const BITS = { 4: 32, 6: 128 } as const;

/** The integer value of an IPv4 or IPv6 address (embedded IPv4 in IPv6 allowed). */
export function addressValue(text: string): { family: 4 | 6; value: bigint } {
  const address = text.includes(':') ? text.replace(/%[^%]*$/, '') : text; // a zone (`fe80::1%eth0`) is no part of the address
  if (isIPv4(address)) {
    return { family: 4, value: address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n) };
  }
  if (isIPv6(address)) {
    let v6 = address;
    const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
    if (dotted) {
      const v4 = addressValue(dotted[1]!).value;
      v6 = `${v6.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const [head, tail] = v6.includes('::') ? v6.split('::') : [v6, undefined];
    const headGroups = head ? head.split(':') : [];
    const tailGroups = tail ? tail.split(':') : [];
    const groups = tail === undefined ? headGroups : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
    return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
  }
  throw new Error(`${JSON.stringify(text)} is not an IP address`);
}

/**
 * `a.b.c.d/n`, `x:y::/n` or a single address. With `strict`, a block with host bits set
 * (`10.1.2.3/8`, most likely a typo) is refused; otherwise it is widened to its block.
 */
export function parseRange(text: string, strict = true): AddressRange {
  const [address, prefixText, ...rest] = text.trim().split('/');
  if (address === undefined || rest.length > 0) throw new Error(`${JSON.stringify(text)} is not an address or CIDR block`);
  let parsed: { family: 4 | 6; value: bigint };
  try {
    parsed = addressValue(address);
  } catch {
    throw new Error(`${JSON.stringify(text)} is not an address or CIDR block`);
  }
  const bits = BITS[parsed.family];
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) throw new Error(`${JSON.stringify(text)}: the prefix length must be 0 to ${bits}`);
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  if (strict && (parsed.value & hostMask) !== 0n) throw new Error(`${JSON.stringify(text)} has bits set past its /${prefix} prefix`);
  const first = parsed.value & ~hostMask;
  return { family: parsed.family, first, last: first | hostMask };
}

/** A comma- or whitespace-separated list of CIDR blocks (`KILN_NETWORK_ALLOW`), parsed strictly. */
export function parseRangeList(text: string): AddressRange[] {
  return text.split(/[\s,]+/).filter(Boolean).map((t) => parseRange(t));
}

/** The ranges of one family, sorted, with overlapping and adjacent ones merged. */
export function mergeRanges(ranges: readonly AddressRange[], family: 4 | 6): AddressRange[] {
  const sorted = ranges.filter((r) => r.family === family).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: AddressRange[] = [];
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev && r.first <= prev.last + 1n) {
      if (r.last > prev.last) prev.last = r.last;
    } else {
      out.push({ ...r });
    }
  }
  return out;
}

/** The address with this value, written out in full (`10.0.2.3`, `fe80:0:0:0:0:0:0:1`). */
export function formatAddress(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => ((value >> s) & 0xffn).toString()).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  return groups.join(':');
}

/** True when `address` (an IPv4 or IPv6 address) lies in one of `ranges`. */
export function inRanges(address: string, ranges: readonly AddressRange[]): boolean {
  const { family, value } = addressValue(address);
  return ranges.some((r) => r.family === family && r.first <= value && value <= r.last);
}
