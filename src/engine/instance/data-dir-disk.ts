import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { readdir, stat, statfs } from 'node:fs/promises';
import type { HostDiskRoom } from '../../domain/fair-queue.js';
import type { HostDisk } from '../../domain/host-disk.js';
import { InstancePaths } from './instance-paths.js';

/**
 * The host disk builds of this data dir share (see `HostDisk`): the filesystem of the data dir,
 * where the instances' sparse disk images live. Its pool is named by `hostDiskPool`, so every
 * worker process on that filesystem of this machine (`kiln serve` and `kiln worker`, in
 * containers or not) counts the others' builds, and no other machine's builds count here.
 */
export class DataDirDisk implements HostDisk {
  readonly pool: string;
  private readonly dataDir: string;

  constructor(dataDir: string, private readonly reserveBytes: number) {
    this.dataDir = resolve(dataDir);
    this.pool = hostDiskPool(this.dataDir);
  }

  async room(runningExecutionIds: readonly string[]): Promise<HostDiskRoom> {
    const fs = await statfs(this.dataDir);
    const free = Number(fs.bavail) * Number(fs.bsize);
    // Blocks reserved for root (ext4's -m) are never in bavail, so they are no part of the size either.
    const size = (Number(fs.blocks) - (Number(fs.bfree) - Number(fs.bavail))) * Number(fs.bsize);
    return {
      capacityBytes: free + (await this.writtenBy(runningExecutionIds)) - this.reserveBytes,
      ceilingBytes: size - this.reserveBytes,
    };
  }

  /**
   * Bytes the running builds' instance disks already take on the host (their allocated blocks):
   * those builds are counted at their full SystemDiskSize, and what they wrote is no longer free.
   * A build's instances are named by its execution id (`<id>`, and `<id>-t` while it tests).
   */
  private async writtenBy(executionIds: readonly string[]): Promise<number> {
    if (executionIds.length === 0) return 0;
    const root = join(this.dataDir, 'instances');
    const names = await readdir(root).catch(() => [] as string[]);
    const ids = new Set(executionIds);
    let bytes = 0;
    for (const name of names) {
      if (!ids.has(name) && !(name.endsWith('-t') && ids.has(name.slice(0, -2)))) continue;
      const image = new InstancePaths(root, name).image;
      const s = await stat(image).catch(() => undefined);
      if (s) bytes += s.blocks * 512;
    }
    return bytes;
  }
}

/**
 * The name of the host disk a data dir is on: `<boot id>/<device>`, the running kernel's boot id
 * (/proc/sys/kernel/random/boot_id, a random UUID drawn at every boot) and the device number of
 * the data dir's filesystem. A device number names one filesystem on one kernel, so two hosts
 * never share a name even with the same hostname, data dir path and device numbers, and every
 * process on one filesystem of one machine does, whatever its hostname, mount namespace or
 * data dir path (two data dirs on one filesystem share its space, so they share its count).
 *
 * Not the hostname (containers have their own, and hosts are renamed or cloned alike), nor
 * /etc/machine-id (containers on one host have their own, and cloned images share one). A new
 * boot gets a new name: builds leased before it are not counted under it, but until their
 * leases lapse and they are taken back as lost, what their disks hold is not free either.
 * Without /proc the machine id, then the hostname, stands in for the boot id.
 */
export function hostDiskPool(dataDir: string): string {
  const machine = firstLine('/proc/sys/kernel/random/boot_id') ?? firstLine('/etc/machine-id') ?? hostname();
  return `${machine}/${statSync(dataDir, { bigint: true }).dev}`;
}

function firstLine(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim().split('\n')[0] || undefined;
  } catch {
    return undefined;
  }
}
