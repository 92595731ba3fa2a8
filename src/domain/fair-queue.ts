/**
 * Who builds next when several accounts wait: the rules of the fair queue, without SQL (the
 * store's claim applies them in one transaction, see `ExecutionRepository.claim`).
 *
 * - An execution taken back from a lost worker goes first: it builds nothing, it only ends.
 * - Accounts take turns: the account with the fewest running builds goes first; among those,
 *   the one whose last claim is oldest (never claimed: first); then the account whose oldest
 *   queued execution is oldest. Within an account, executions go oldest first.
 * - An account with `maxRunningPerAccount` builds running waits, even if workers are idle.
 * - A build whose SystemDiskSize does not fit on the worker's host now (see `hostDiskFit`)
 *   is passed over and its account waits; one bigger than the host's filesystem could ever
 *   give one build is claimed anyway, so that the worker ends it with `InsufficientHostDisk`.
 */

/** What the claim knows about one waiting account. */
export interface AccountTurn {
  accountId: string;
  /** Its executions that hold a live lease now. */
  running: number;
  /** When one of its executions was last claimed (epoch ms); undefined: never. */
  lastClaimedAt?: number;
  /** When its oldest claimable execution was queued (epoch ms). */
  headQueuedAt: number;
}

/** The order in which waiting accounts are served (a comparator for `Array.sort`). */
export function byFairTurn(a: AccountTurn, b: AccountTurn): number {
  return a.running - b.running
    || (a.lastClaimedAt ?? -Infinity) - (b.lastClaimedAt ?? -Infinity)
    || a.headQueuedAt - b.headQueuedAt
    || (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0);
}

/** The accounts that may have one more build claimed, in the order they are served. */
export function accountsInTurn<T extends AccountTurn>(waiting: readonly T[], maxRunningPerAccount: number): T[] {
  return waiting.filter((a) => maxRunningPerAccount <= 0 || a.running < maxRunningPerAccount).sort(byFairTurn);
}

/**
 * What builds may be promised on one host disk (see `HostDisk`), in bytes.
 *
 * The two differ because the filesystem holds more than build disks: layers, step-cache blobs,
 * imports and the database take space for as long as they are kept, and only running builds
 * give theirs back when they end. Whether a build must wait is a question of now; whether it
 * must fail is a question of the filesystem, never of what other tenants happen to store.
 */
export interface HostDiskRoom {
  /** What builds may promise in total now: free space, plus what running builds already wrote, minus the reserve (may be negative). */
  capacityBytes: number;
  /** What one build could ever be promised: the filesystem's size minus the reserve. */
  ceilingBytes: number;
}

/**
 * Whether a build's disk fits on a host: `now` when the SystemDiskSizes already promised to
 * running builds there plus this one fit in `room.capacityBytes`; `never` when it is bigger
 * than `room.ceilingBytes` (it would not fit on an empty filesystem); `later` otherwise
 * (running builds must end, or stored data be freed, first).
 */
export function hostDiskFit(diskGiB: number, committedGiB: number, room: HostDiskRoom): 'now' | 'later' | 'never' {
  const GiB = 1024 ** 3;
  if (diskGiB * GiB > room.ceilingBytes) return 'never';
  return (committedGiB + diskGiB) * GiB <= room.capacityBytes ? 'now' : 'later';
}
