import type { ExpressionBuilder, Kysely } from 'kysely';
import { accountsInTurn, admitOnHostDisk, type AccountTurn, type DiskCandidate } from '../../domain/fair-queue.js';
import type { ClaimedExecution, ClaimPolicy } from '../../domain/ports.js';
import type { DB } from '../schema.js';

/** Rows whose lease is free or expired at `now` (with `active = 1`: claimable). */
export function claimable(now: number) {
  return (eb: ExpressionBuilder<DB, 'executions'>) => eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<', now)]);
}

interface Head extends AccountTurn {
  id: string;
  pipelineId: string;
  passedOver: number;
}

/**
 * The claim itself, inside the caller's write transaction (see `ExecutionRepository.claim` and
 * `domain/fair-queue.ts` for the rules): picks the execution, takes its lease and records the
 * account's turn. Returns the id taken, or undefined when nothing may be claimed now.
 */
export async function claimIn(db: Kysely<DB>, workerId: string, leaseMs: number, policy: ClaimPolicy): Promise<{ id: string; exceedsHostDisk?: ClaimedExecution['exceedsHostDisk'] } | undefined> {
  const now = Date.now();

  // A lost worker's execution first: claiming it only ends it (WorkerLost), outside every limit.
  const lost = await db.selectFrom('executions').select('id')
    .where('active', '=', 1).where('attempt', '>', 0).where(claimable(now))
    .orderBy('queued_at').orderBy('id').limit(1).executeTakeFirst();
  if (lost) return (await take(db, workerId, lost.id, now + leaseMs, now, null)) ? { id: lost.id } : undefined;

  // Each waiting account's oldest execution.
  const ranked = db.selectFrom('executions')
    .select(['id', 'account_id', 'pipeline_id', 'queued_at', 'disk_passed_over'])
    .select((eb) => eb.fn.agg<number>('row_number').over((ob) => ob.partitionBy('account_id').orderBy('queued_at').orderBy('id')).as('place'))
    .where('active', '=', 1).where('attempt', '=', 0).where(claimable(now));
  const headRows = await db.selectFrom(ranked.as('q')).select(['id', 'account_id', 'pipeline_id', 'queued_at', 'disk_passed_over']).where('place', '=', 1).execute();
  if (headRows.length === 0) return undefined;
  const accounts = headRows.map((h) => h.account_id);

  const running = new Map((await db.selectFrom('executions')
    .select(['account_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('active', '=', 1).where('lease_expires_at', '>=', now).where('account_id', 'in', accounts)
    .groupBy('account_id').execute()).map((r) => [r.account_id, Number(r.n)]));
  const lastClaimed = new Map((await db.selectFrom('queue_accounts').select(['account_id', 'last_claimed_at'])
    .where('account_id', 'in', accounts).execute()).map((r) => [r.account_id, Number(r.last_claimed_at)]));
  const heads: Head[] = headRows.map((h) => {
    const head: Head = {
      id: h.id, pipelineId: h.pipeline_id, accountId: h.account_id, running: running.get(h.account_id) ?? 0,
      headQueuedAt: Number(h.queued_at), passedOver: Number(h.disk_passed_over),
    };
    const last = lastClaimed.get(h.account_id);
    if (last !== undefined) head.lastClaimedAt = last;
    return head;
  });
  const inTurn = accountsInTurn(heads, policy.maxRunningPerAccount ?? 0);
  if (inTurn.length === 0) return undefined;

  let pick: { head: Head; disk?: { pool: string; gib: number }; exceedsHostDisk?: ClaimedExecution['exceedsHostDisk'] } | undefined;
  let passedOver: string[] = [];
  if (!policy.disk) {
    pick = { head: inTurn[0]! };
  } else {
    const { pool } = policy.disk;
    const committed = await db.selectFrom('executions').select((eb) => eb.fn.sum<number | null>('disk_gib').as('gib'))
      .where('active', '=', 1).where('lease_expires_at', '>=', now).where('disk_pool', '=', pool).executeTakeFirst();
    const committedGiB = Number(committed?.gib ?? 0);
    const sizes = await diskSizes(db, inTurn.map((h) => h.pipelineId));
    // A template deleted meanwhile has no size: the worker ends its execution at once.
    const candidates: Array<Head & DiskCandidate> = inTurn.map((h) => ({ ...h, diskGiB: sizes.get(h.pipelineId) ?? 0 }));
    const admitted = admitOnHostDisk(candidates, committedGiB, policy.disk, policy.disk.holdAfter ?? 0);
    const head = admitted.pick;
    if (head) {
      pick = admitted.fit === 'now'
        ? { head, disk: { pool, gib: head.diskGiB } }
        : { head, exceedsHostDisk: { diskGiB: head.diskGiB, ceilingBytes: policy.disk.ceilingBytes } };
      passedOver = admitted.passedOver.map((c) => c.id);
    }
  }
  if (!pick) return undefined;
  if (!(await take(db, workerId, pick.head.id, now + leaseMs, now, pick.disk ?? null))) return undefined;
  if (passedOver.length > 0) {
    await db.updateTable('executions').set((eb) => ({ disk_passed_over: eb('disk_passed_over', '+', 1) })).where('id', 'in', passedOver).execute();
  }
  await db.insertInto('queue_accounts').values({ account_id: pick.head.accountId, last_claimed_at: now })
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ last_claimed_at: now })).execute();
  return pick.exceedsHostDisk ? { id: pick.head.id, exceedsHostDisk: pick.exceedsHostDisk } : { id: pick.head.id };
}

/** Takes the lease of a claimable execution; false when it is no longer claimable. */
async function take(db: Kysely<DB>, workerId: string, id: string, expiresAt: number, now: number, disk: { pool: string; gib: number } | null): Promise<boolean> {
  const result = await db.updateTable('executions')
    .set((eb) => ({
      lease_owner: workerId, lease_expires_at: expiresAt, attempt: eb('attempt', '+', 1), claimed_at: now,
      disk_pool: disk?.pool ?? null, disk_gib: disk?.gib ?? null,
    }))
    .where('id', '=', id).where('active', '=', 1).where(claimable(now))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The SystemDiskSize (GiB) of each template still there. */
async function diskSizes(db: Kysely<DB>, pipelineIds: string[]): Promise<Map<string, number>> {
  if (pipelineIds.length === 0) return new Map();
  const rows = await db.selectFrom('pipelines').select(['id', 'spec']).where('id', 'in', pipelineIds).execute();
  return new Map(rows.map((r) => [r.id, Number((JSON.parse(r.spec) as { systemDiskSize?: number }).systemDiskSize ?? 0)]));
}
