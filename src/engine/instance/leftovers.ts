import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../system/run-command.js';
import { findInstanceCgroups, removeCgroupTree } from './cgroups.js';
import type { IdSlots } from './id-slots.js';
import { listMounts, removeUnmounted, unmount } from './mounts.js';
import { deleteNetns } from './netns.js';
import type { Runc } from './runc.js';

/** Where the driver keeps instances: their folders, their run folders, their id-range claims. */
export interface LeftoverRoots {
  instances: string;
  run: string;
  ids: IdSlots;
}

/**
 * What the runc driver may leave on the machine for instances named `<namePrefix>…`, found
 * from the system itself (not from the driver's memory, so a reaper after a crash sees it too):
 * runc containers `kiln-<name>-<n>`, mounts under `<instancesRoot>/<name>` (disk, its view,
 * /tmp, layer views) and `<runRoot>/<name>` (rootfs) and netns bind mounts, cgroups
 * `kiln-<name>`, network namespaces `kiln-<name>`, slirp4netns processes on them, loop devices
 * backed by the instance's disk image, id-range claims, and the instance and run folders.
 * (The user namespaces of idmapped mounts live only as long as the mounts; no process holds them.)
 */
interface Found {
  containers: string[];
  mounts: string[];
  cgroups: string[];
  netns: string[];
  slirpPids: number[];
  loops: string[];
  claims: string[];
  dirs: string[];
}

async function find(runc: Runc, roots: LeftoverRoots, namePrefix: string): Promise<Found> {
  const tag = `kiln-${namePrefix}`;
  const under = join(roots.instances, namePrefix);
  const runUnder = join(roots.run, namePrefix);
  const containers = (await runc.list().catch(() => [] as string[])).filter((id) => id.startsWith(tag));
  const mounts = (await listMounts())
    .map((m) => m.mountPoint)
    .filter((p) => p.startsWith(under) || p.startsWith(runUnder) || p.startsWith(`/run/netns/${tag}`));
  const cgroups = await findInstanceCgroups(namePrefix);
  const netns = (await readdir('/run/netns').catch(() => [] as string[])).filter((n) => n.startsWith(tag));
  const slirpPids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const args = cmdline.split('\0');
    if (args[0]?.endsWith('slirp4netns') && args.some((a) => a.startsWith(`/run/netns/${tag}`))) slirpPids.push(Number(entry));
  }
  const loops: string[] = [];
  const losetup = await runCommand('losetup', ['--list', '--json'], { allowFailure: true });
  if (losetup.code === 0 && losetup.stdout.trim() !== '') {
    const parsed = JSON.parse(losetup.stdout) as { loopdevices?: { name: string; 'back-file'?: string }[] };
    for (const d of parsed.loopdevices ?? []) if (d['back-file']?.startsWith(under)) loops.push(d.name);
  }
  const claims = await roots.ids.claimsOf(under);
  const dirs: string[] = [];
  for (const root of [roots.instances, roots.run]) {
    dirs.push(...(await readdir(root).catch(() => [] as string[])).filter((n) => n.startsWith(namePrefix)).map((n) => join(root, n)));
  }
  return { containers, mounts, cgroups, netns, slirpPids, loops, claims, dirs };
}

/** One line per thing still present (empty when the instances were all cleaned up). */
export async function findLeftovers(runc: Runc, roots: LeftoverRoots, namePrefix: string): Promise<string[]> {
  const f = await find(runc, roots, namePrefix);
  return [
    ...f.containers.map((c) => `runc container ${c}`),
    ...f.mounts.map((m) => `mount ${m}`),
    ...f.cgroups.map((c) => `cgroup ${c}`),
    ...f.netns.map((n) => `network namespace ${n}`),
    ...f.slirpPids.map((p) => `slirp4netns process ${p}`),
    ...f.loops.map((l) => `loop device ${l}`),
    ...f.claims.map((c) => `id-range claim ${c}`),
    ...f.dirs.map((d) => `folder ${d}`),
  ];
}

/** Removes everything `findLeftovers` reports, best effort, in dependency order. */
export async function reapLeftovers(runc: Runc, roots: LeftoverRoots, namePrefix: string): Promise<void> {
  const f = await find(runc, roots, namePrefix);
  for (const id of f.containers) await runc.delete(id).catch(() => undefined);
  for (const pid of f.slirpPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  // deepest mounts first (overlay rootfs before the disk under the same folder)
  for (const m of [...f.mounts].sort((a, b) => b.length - a.length)) await unmount(m).catch(() => undefined);
  for (const n of f.netns) await deleteNetns(n).catch(() => undefined);
  for (const c of f.cgroups) await removeCgroupTree(c).catch(() => undefined);
  for (const l of f.loops) await runCommand('losetup', ['-d', l], { allowFailure: true });
  for (const c of f.claims) await roots.ids.drop(c).catch(() => undefined);
  // never through a mount that would not go (a layer view would let rm reach the layer store)
  for (const d of f.dirs) await removeUnmounted(d).catch(() => undefined);
}
