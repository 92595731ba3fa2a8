import type { ExecutionLogRepository } from '../../domain/ports.js';
import type { RepoContext } from './context.js';

/**
 * Build output in rows of chunks numbered per execution. Only the worker holding an
 * execution's lease appends to it, so "max + 1" numbering inside one atomic write is enough.
 */
export function executionLogRepository(ctx: RepoContext): ExecutionLogRepository {
  return {
    async append(executionId, chunks) {
      if (chunks.length === 0) return;
      await ctx.atomic(async (db) => {
        const last = await db.selectFrom('execution_logs').select((eb) => eb.fn.max('seq').as('seq'))
          .where('execution_id', '=', executionId).executeTakeFirst();
        const first = Number(last?.seq ?? 0) + 1;
        await db.insertInto('execution_logs')
          .values(chunks.map((c, i) => ({ execution_id: executionId, seq: first + i, stream: c.stream, text: c.text, time: c.time })))
          .execute();
      });
    },

    async read(executionId, afterSeq, limit) {
      const rows = await ctx.db.selectFrom('execution_logs').select(['seq', 'stream', 'text', 'time'])
        .where('execution_id', '=', executionId).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
      return rows.map((r) => ({ seq: Number(r.seq), stream: r.stream as 'stdout' | 'stderr' | 'system', text: r.text, time: r.time }));
    },
  };
}
