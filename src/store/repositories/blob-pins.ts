import type { BlobPinRepository } from '../../domain/ports.js';
import type { RepoContext } from './context.js';

/** Blobs pinned by executions; only pins of executions that are still active count. */
export function blobPinRepository(ctx: RepoContext): BlobPinRepository {
  return {
    async pin(executionId, digests) {
      const unique = [...new Set(digests)];
      if (unique.length === 0) return;
      await ctx.db.insertInto('blob_pins')
        .values(unique.map((digest) => ({ execution_id: executionId, digest })))
        .onConflict((oc) => oc.columns(['execution_id', 'digest']).doNothing())
        .execute();
    },

    async activeDigests() {
      const rows = await ctx.db.selectFrom('blob_pins').innerJoin('executions', 'executions.id', 'blob_pins.execution_id')
        .select('blob_pins.digest').where('executions.active', '=', 1).distinct().execute();
      return new Set(rows.map((r) => r.digest));
    },

    async unpin(executionId) {
      await ctx.db.deleteFrom('blob_pins').where('execution_id', '=', executionId).execute();
    },

    async pruneInactive() {
      const r = await ctx.db.deleteFrom('blob_pins')
        .where('execution_id', 'not in', (eb) => eb.selectFrom('executions').select('id').where('active', '=', 1))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
