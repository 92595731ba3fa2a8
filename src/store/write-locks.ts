import { createHash } from 'node:crypto';

/**
 * What a PostgreSQL write transaction locks before a repository call runs in it (see
 * `runTransaction` in `dialect.ts` for how the locks are taken, and the store README).
 *
 * Write transactions run at READ COMMITTED: every statement sees what was committed before it
 * started. A transaction that takes a lock before it reads what the lock guards therefore sees
 * every write of the transactions that held the lock before it, and writes that nobody else
 * guarded by the same lock can change until it commits. Each repository call names the lock
 * that guards the invariants its callers build on it:
 *
 * - `scope` (account, region): every call on a scope's rows — templates, components, tags,
 *   executions, images, step-cache entries, vSwitches. Quotas (`count`), names, versions,
 *   per-scope seq numbers and "checked, then written" sequences within one scope stay exact;
 *   scopes never wait for each other.
 * - `account`: account-wide sums (`images.storageBytes`, the step cache's per-account quota).
 * - `idempotency` (account, action, ClientToken): the first use of a token and its retries
 *   queue on it, so a retry reads the first answer once it committed (the unique key is the
 *   backstop).
 * - `queue` (executions, tasks): claims read the whole queue (fair turns, disk admission) and
 *   run one at a time.
 * - `log` (execution): appends number their lines `max + 1`; a worker that lost its lease and
 *   its successor may append to one log at once.
 * - `none`: a call that is atomic by itself or guarded by a row it updates conditionally (a
 *   lease, `on conflict do nothing`), or a read of rows that never change.
 * - `global`: anything not listed (accounts, AccessKeys, resource groups, maintenance). It waits
 *   for every other write transaction and holds them all off, as every write did before.
 */
export type LockKey =
  | { kind: 'global' }
  | { kind: 'idempotency' | 'scope' | 'account' | 'queue' | 'log'; name: string };

/** Locks are taken in this order (then by name), so transactions that lock in order never deadlock. */
const ORDER: Record<LockKey['kind'], number> = { global: 0, idempotency: 1, scope: 2, account: 3, queue: 4, log: 5 };

export const GLOBAL: LockKey = { kind: 'global' };

/** Compares two keys in lock order. */
export function compareLocks(a: LockKey, b: LockKey): number {
  const byKind = ORDER[a.kind] - ORDER[b.kind];
  if (byKind !== 0 || a.kind === 'global' || b.kind === 'global') return byKind;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** A stable text for a key (a set member). */
export function lockId(k: LockKey): string {
  return k.kind === 'global' ? 'global' : `${k.kind}\u0000${k.name}`;
}

/** The PostgreSQL advisory lock number of a key: 64 bits of its SHA-256 (a collision only makes two keys share a lock). */
export function advisoryNumber(k: LockKey): string {
  return createHash('sha256').update(`kiln\u0000${lockId(k)}`).digest().readBigInt64BE(0).toString();
}

interface ScopeLike {
  accountId: string;
  regionId: string;
}

function isScopeLike(v: unknown): v is ScopeLike {
  return typeof v === 'object' && v !== null && typeof (v as ScopeLike).accountId === 'string' && typeof (v as ScopeLike).regionId === 'string';
}

const scopeKey = (s: ScopeLike): LockKey => ({ kind: 'scope', name: `${s.accountId}\u0000${s.regionId}` });
const accountKey = (accountId: unknown): LockKey => ({ kind: 'account', name: String(accountId) });

type Rule = 'none' | ((args: readonly unknown[]) => LockKey[]);

/** The calls whose first argument is not a scope (or an entity of one). */
const RULES: Record<string, Record<string, Rule>> = {
  idempotency: {
    get: (a) => [{ kind: 'idempotency', name: `${String(a[0])}\u0000${String(a[1])}\u0000${String(a[2])}` }],
    put: (a) => [{ kind: 'idempotency', name: `${String(a[0])}\u0000${String(a[1])}\u0000${String(a[2])}` }],
  },
  images: {
    storageBytes: (a) => [accountKey(a[0])],
    recordLayers: 'none',
    allManifestDigests: 'none',
    unrecordedManifests: 'none',
  },
  stepCache: { listForAccount: (a) => [accountKey(a[0])], listAll: 'none' },
  executions: {
    claim: () => [{ kind: 'queue', name: 'executions' }],
    locate: 'none',
    renew: 'none',
    release: 'none',
    runningOn: 'none',
    queueStats: 'none',
  },
  tasks: {
    claim: () => [{ kind: 'queue', name: 'tasks' }],
    renew: 'none',
    progress: 'none',
    finish: 'none',
  },
  executionLogs: { append: (a) => [{ kind: 'log', name: String(a[0]) }], read: 'none' },
  blobPins: { pin: 'none', unpin: 'none', activeDigests: 'none' },
  pipelines: { referencesComponent: 'none' },
  signatureNonces: { claim: 'none', pruneExpired: 'none' },
  accounts: { get: 'none', list: 'none' },
  accessKeys: { get: 'none', listByAccount: 'none', setStatus: 'none' },
  resourceGroups: { get: 'none', getDefault: 'none', list: 'none' },
  // Keyed records written by upserts and conditional updates.
  baseImages: { get: 'none', latest: 'none', put: 'none', list: 'none' },
  settings: { get: 'none', put: 'none' },
  // One row per session, keyed by its digest; touch is a conditional update.
  consoleSessions: { create: 'none', getLive: 'none', touch: 'none', end: 'none', prune: 'none', endOldest: 'none' },
};

const NONE: readonly LockKey[] = [];

/**
 * The locks a repository call needs in a PostgreSQL write transaction: its scope's when its
 * first argument is a scope, a filter of one or an entity of one (or a list of those), else
 * what `RULES` says, else `global`.
 */
export function locksOf(repository: string, method: string, args: readonly unknown[]): readonly LockKey[] {
  const rule = RULES[repository]?.[method];
  if (rule === 'none') return NONE;
  if (rule) return rule(args);
  const first = args[0];
  if (isScopeLike(first)) return [scopeKey(first)];
  if (Array.isArray(first) && first.every(isScopeLike)) return first.map(scopeKey);
  return [GLOBAL];
}
