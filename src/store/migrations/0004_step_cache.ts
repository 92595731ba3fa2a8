import type { Kysely, Migration } from 'kysely';

/**
 * The step cache (entries per account, region and cache key) and the blobs running executions
 * pin against garbage collection. Times are epoch milliseconds (bigint on PostgreSQL).
 */
export function stepCache(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createTable('step_cache')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region_id', 'text', (c) => c.notNull())
        .addColumn('cache_key', 'text', (c) => c.notNull())
        .addColumn('layer_digest', 'text')
        .addColumn('layer_size', 'bigint', (c) => c.notNull())
        .addColumn('tmp_digest', 'text')
        .addColumn('output', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('step_cache_pk', ['account_id', 'region_id', 'cache_key'])
        .execute();
      await db.schema.createIndex('step_cache_lru').on('step_cache').columns(['last_used_at']).execute();

      await db.schema.createTable('blob_pins')
        .addColumn('execution_id', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('blob_pins_pk', ['execution_id', 'digest'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('blob_pins').execute();
      await db.schema.dropTable('step_cache').execute();
    },
  };
}
