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
 * - A build passed over for disk `holdAfter` times holds its room: smaller builds stop taking
 *   it (see `admitOnHostDisk`), so a stream of small builds cannot starve a large one.
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

/** A waiting account's next build, as host disk admission sees it. */
export interface DiskCandidate {
  /** Its SystemDiskSize in GiB (0 when its template is gone: the worker ends it at once). */
  diskGiB: number;
  /** Claims on a host disk that went to another build while this one waited there for room. */
  passedOver: number;
  /** When it was queued (epoch ms). */
  headQueuedAt: number;
}

/** What one claim on a host disk does: `pick` to claim (`fit` says how), and the builds it passed over. */
export interface HostDiskAdmission<T> {
  pick?: T;
  /** `now`: it is built; `never`: it is claimed only to be ended with `InsufficientHostDisk`. */
  fit?: 'now' | 'never';
  /** Builds that wait for room while `pick` takes some: each counts one more pass-over. */
  passedOver: T[];
}

/**
 * Which of the accounts' next builds (`inTurn`, in fair-turn order) a claim on one host disk
 * takes, with `committedGiB` promised to the builds running there.
 *
 * Without holds, the first that fits now goes and any that must wait are passed over, so a
 * steady stream of small builds could keep a large one waiting for ever. A build passed over
 * `holdAfter` times (0: never) therefore holds its room: holding builds are looked at first
 * (oldest first), and while one waits, the room it needs counts as promised, so no other
 * build is admitted into it; it goes as soon as the running builds have made room. Only a
 * build that the running builds can make room for holds (its SystemDiskSize is within
 * `room.capacityBytes`): one that waits for stored data to be freed would stop the host
 * until an operator acts, so it waits without holding.
 */
export function admitOnHostDisk<T extends DiskCandidate>(inTurn: readonly T[], committedGiB: number, room: HostDiskRoom, holdAfter: number): HostDiskAdmission<T> {
  const GiB = 1024 ** 3;
  const holds = (c: T) => holdAfter > 0 && c.passedOver >= holdAfter && c.diskGiB * GiB <= room.capacityBytes;
  const holding = inTurn.filter(holds).sort((a, b) => a.headQueuedAt - b.headQueuedAt);
  let heldGiB = 0;
  const waited: T[] = [];
  for (const c of [...holding, ...inTurn.filter((x) => !holds(x))]) {
    const fit = hostDiskFit(c.diskGiB, committedGiB + heldGiB, room);
    if (fit === 'never') return { pick: c, fit, passedOver: [] };
    if (fit === 'now') return { pick: c, fit, passedOver: waited };
    waited.push(c);
    if (holds(c)) heldGiB += c.diskGiB;
  }
  return { passedOver: [] };
}
