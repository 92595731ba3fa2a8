import type { HostDiskRoom } from './fair-queue.js';

/**
 * The disk of the host a worker builds on, as admission sees it. Instance disks are sparse
 * files: a build's SystemDiskSize (up to 500 GiB) costs nothing until it is written, so
 * without admission a host would promise more disk than it has and builds would fail with
 * ENOSPC half-way, or fill the host's disk for everyone. A worker claims a build only when the
 * SystemDiskSizes of the builds running on its host, plus the new one, fit in what the host can
 * promise now; a build that could not fit even on an empty filesystem ends `InsufficientHostDisk`.
 */
export interface HostDisk {
  /** Names this host's disk: builds admitted under the same name share it. */
  readonly pool: string;
  /**
   * What builds may be promised on this host (see `HostDiskRoom`). Now: the free space of the
   * data dir's filesystem, plus what the given running builds already wrote on their instance
   * disks (they are counted at their full SystemDiskSize), minus the reserve kept for
   * everything else (the database, blobs, layers). Ever: the filesystem's size minus the reserve.
   */
  room(runningExecutionIds: readonly string[]): Promise<HostDiskRoom>;
}
