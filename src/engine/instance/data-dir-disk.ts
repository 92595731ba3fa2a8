import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { readdir, stat, statfs } from 'node:fs/promises';
import type { HostDiskRoom } from '../../domain/fair-queue.js';
import type { HostDisk } from '../../domain/host-disk.js';
import { InstancePaths } from './instance-paths.js';

/**
 * The host disk builds of this data dir share (see `HostDisk`): the filesystem of the data dir,
 * where the instances' sparse disk images live. The pool is named by the host and the data dir,
 * so every worker process on one data dir (`kiln serve` and `kiln worker`) counts the others'
 * builds.
 */
export class DataDirDisk implements HostDisk {
  readonly pool: string;
  private readonly dataDir: string;

  constructor(dataDir: string, private readonly reserveBytes: number) {
    this.dataDir = resolve(dataDir);
    this.pool = `${hostname()}:${this.dataDir}`;
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
