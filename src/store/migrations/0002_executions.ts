import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Executions (image build tasks), which are also the build queue, their tags, and their logs.
 *
 * Queue columns: `active` is 1 until a terminal status; `lease_owner`/`lease_expires_at`
 * (epoch ms) say which worker runs the row and until when; `attempt` counts claims (a value
 * above 1 means a worker was lost). `queued_at` (epoch ms) orders claims oldest first.
 */
export function executions(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createTable('executions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('pipeline_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull().check(sql`active in (0, 1)`))
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('error_info', 'text')
        .addColumn('image_id', 'text')
        .addColumn('resource_group_id', 'text', (c) => c.notNull())
        .addColumn('creation_time', 'text', (c) => c.notNull())
        .addColumn('modified_time', 'text', (c) => c.notNull())
        .addColumn('queued_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('executions_by_scope').on('executions').unique().columns(['account_id', 'region_id', 'seq']).execute();
      await db.schema.createIndex('executions_by_pipeline').on('executions').columns(['account_id', 'region_id', 'pipeline_id', 'seq']).execute();
      // The queue: claimable rows are active ones, oldest first.
      await db.schema.createIndex('executions_queue').on('executions').columns(['active', 'queued_at'])
        .where(sql.ref('active'), '=', sql.lit(1)).execute();

      await db.schema.createTable('execution_tags')
        .addColumn('execution_id', 'text', (c) => c.notNull().references('executions.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('tag_key', 'text', (c) => c.notNull())
        .addColumn('tag_value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('execution_tags_pk', ['execution_id', 'tag_key'])
        .execute();
      await db.schema.createIndex('execution_tags_by_key').on('execution_tags').columns(['tag_key', 'tag_value', 'execution_id']).execute();

      await db.schema.createTable('execution_logs')
        .addColumn('execution_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('time', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('execution_logs_pk', ['execution_id', 'seq'])
        .execute();
    },

    async down(db: Kysely<any>) {
      for (const t of ['execution_logs', 'execution_tags', 'executions']) await db.schema.dropTable(t).execute();
    },
  };
}
