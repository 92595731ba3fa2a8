import type { Kysely } from 'kysely';
import type { ExecutionStatus } from '../../domain/execution.js';
import type { ExecutionQueueStats } from '../../domain/telemetry.js';
import type { DB } from '../schema.js';

/**
 * The queue as `/metrics` shows it (`ExecutionRepository.queueStats`): one grouped read of the
 * active executions only (the `executions_queue` index on `active`), so its cost follows the
 * queue, not the history. Queued: active and never claimed (`attempt = 0`).
 */
export async function executionQueueStats(db: Kysely<DB>): Promise<ExecutionQueueStats> {
  const rows = await db.selectFrom('executions')
    .select((eb) => [
      'status',
      eb.fn.countAll<number | string>().as('n'),
      eb.fn.sum<number | string | null>(eb.case().when('attempt', '=', 0).then(1).else(0).end()).as('queued'),
      eb.fn.min<number | string | null>(eb.case().when('attempt', '=', 0).then(eb.ref('queued_at')).end()).as('oldest'),
    ])
    .where('active', '=', 1).groupBy('status').execute();
  const stats: ExecutionQueueStats = { active: {}, queued: 0, oldestQueuedAt: undefined };
  for (const r of rows) {
    stats.active[r.status as ExecutionStatus] = Number(r.n);
    stats.queued += Number(r.queued ?? 0);
    if (r.oldest !== null && r.oldest !== undefined) stats.oldestQueuedAt = Math.min(stats.oldestQueuedAt ?? Number.POSITIVE_INFINITY, Number(r.oldest));
  }
  return stats;
}
