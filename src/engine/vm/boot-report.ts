import type { BootExpectations, BootReport } from './types.js';

/** What starts the guest's report line (at column 0 of ttyS0). */
export const REPORT_MARKER = 'KILN-BOOT-REPORT v1';

/** QEMU's user network (slirp's default): the guest's DHCP address is in it. */
const USER_NET = { base: [10, 0, 2, 0], prefixLength: 24 } as const;

/**
 * A root filesystem within this of the disk counts as grown to it: the boot partition (256 MiB)
 * and alignment, plus ext4's own metadata (inode tables, journal: statfs counts without them,
 * ~2-3% of the filesystem). A root that did not grow misses the added size in full.
 */
const grownSlackBytes = (diskBytes: number) => 320 * 2 ** 20 + diskBytes * 0.05;

const FIELDS = ['target', 'ipv4', 'root_bytes', 'disk_bytes', 'growroot', 'cmd'] as const;
const GROWROOT = ['grown', 'unchanged', 'unsupported', 'failed'] as const;
const CMD = ['active', 'failed', 'none'] as const;

/**
 * Parses a report line (`KILN-BOOT-REPORT v1 target=… ipv4=… root_bytes=… disk_bytes=…
 * growroot=… cmd=…`). The guest is not trusted: every field must be present once and
 * well-formed, else the answer is `{ error }` saying which is not. Unknown extra fields are
 * ignored (a later guest may add some).
 */
export function parseBootReport(line: string): BootReport | { error: string } {
  const text = line.trim();
  if (!text.startsWith(`${REPORT_MARKER} `)) return { error: `not a ${REPORT_MARKER} line` };
  const fields = new Map<string, string>();
  for (const token of text.slice(REPORT_MARKER.length).trim().split(/\s+/)) {
    const eq = token.indexOf('=');
    if (eq <= 0) return { error: `the report has a token without a name=value form: '${token.slice(0, 80)}'` };
    const name = token.slice(0, eq);
    if (fields.has(name)) return { error: `the report names ${name} twice` };
    fields.set(name, token.slice(eq + 1));
  }
  const missing = FIELDS.filter((f) => !fields.has(f));
  if (missing.length > 0) return { error: `the report lacks ${missing.join(', ')}` };
  const get = (name: (typeof FIELDS)[number]) => fields.get(name)!;
  const target = get('target');
  if (!/^[A-Za-z0-9@._:-]+\.target$/.test(target)) return { error: `target=${target.slice(0, 80)} is not a systemd target` };
  const ipv4 = parseIpv4(get('ipv4'));
  if (ipv4 === null) return { error: `ipv4=${get('ipv4').slice(0, 80)} is neither none nor an IPv4 address with its prefix length` };
  const rootBytes = parseCount(get('root_bytes'));
  const diskBytes = parseCount(get('disk_bytes'));
  if (rootBytes === undefined) return { error: `root_bytes=${get('root_bytes').slice(0, 80)} is not a byte count` };
  if (diskBytes === undefined) return { error: `disk_bytes=${get('disk_bytes').slice(0, 80)} is not a byte count` };
  const growroot = oneOf(GROWROOT, get('growroot'));
  if (!growroot) return { error: `growroot=${get('growroot').slice(0, 80)} is not one of ${GROWROOT.join(', ')}` };
  const cmd = oneOf(CMD, get('cmd'));
  if (!cmd) return { error: `cmd=${get('cmd').slice(0, 80)} is not one of ${CMD.join(', ')}` };
  return { target, ...(ipv4 ? { ipv4 } : {}), rootBytes, diskBytes, growroot, cmd, line: text };
}

/**
 * What is wrong with a report, one sentence each (empty: the boot is good): the guest reached
 * multi-user.target, its NIC got an address of QEMU's user network by DHCP, growroot did not
 * fail (and, when the disk was grown and growroot is supported, the root filesystem fills it),
 * the image's command (kiln-cmd.service) did not fail.
 */
export function reportProblems(report: BootReport, expect: BootExpectations = {}): string[] {
  const problems: string[] = [];
  if (report.target !== 'multi-user.target') problems.push(`the guest reached ${report.target}, not multi-user.target`);
  if (!report.ipv4) problems.push('the guest has no IPv4 address (DHCP on QEMU\'s user network gave none)');
  else if (!inUserNet(report.ipv4.address)) problems.push(`the guest's IPv4 address ${report.ipv4.address} is not in QEMU's user network 10.0.2.0/24`);
  if (report.growroot === 'failed') problems.push('growing the root filesystem to the disk failed (kiln-growroot.service)');
  if (expect.grown && report.growroot !== 'unsupported' && report.diskBytes - report.rootBytes > grownSlackBytes(report.diskBytes)) {
    problems.push(`the root filesystem (${report.rootBytes} bytes) did not grow to the disk (${report.diskBytes} bytes)`);
  }
  if (report.cmd === 'failed') problems.push('the image\'s command (kiln-cmd.service) failed');
  return problems;
}

function parseIpv4(value: string): { address: string; prefixLength: number } | undefined | null {
  if (value === 'none') return undefined;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  const prefixLength = Number(m[5]);
  if (octets.some((o) => o > 255) || prefixLength > 32) return null;
  return { address: octets.join('.'), prefixLength };
}

function inUserNet(address: string): boolean {
  const octets = address.split('.').map(Number);
  return octets[0] === USER_NET.base[0] && octets[1] === USER_NET.base[1] && octets[2] === USER_NET.base[2];
}

function parseCount(value: string): number | undefined {
  if (!/^\d{1,17}$/.test(value)) return undefined;
  return Number(value);
}

function oneOf<T extends string>(allowed: readonly T[], value: string): T | undefined {
  return (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}
