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
 *   is passed over and its account waits; one that could never fit there is claimed anyway,
 *   so that the worker ends it with `InsufficientHostDisk`.
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
 * Whether a build's disk fits on a host: `now` when the SystemDiskSizes already promised to
 * running builds there plus this one fit in `capacityBytes`; `never` when it is bigger than
 * the whole capacity (it would not fit with no other build running); `later` otherwise.
 */
export function hostDiskFit(diskGiB: number, committedGiB: number, capacityBytes: number): 'now' | 'later' | 'never' {
  const GiB = 1024 ** 3;
  if (diskGiB * GiB > capacityBytes) return 'never';
  return (committedGiB + diskGiB) * GiB <= capacityBytes ? 'now' : 'later';
}
