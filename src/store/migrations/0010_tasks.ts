import { sql, type Kysely, type Migration } from 'kysely';

/**
 * ECS tasks (ImportImage, ExportImage, CopyImage), which are also the task queue.
 *
 * The columns are what changes while a task runs (status, progress, lease) and what
 * DescribeTasks filters on; `spec` is the versioned record of what the operation asked and what
 * the handler returned (`records/task-record.ts`). Queue columns as in the executions table:
 * `active` is 1 until a terminal status; `lease_owner`/`lease_expires_at` (epoch ms) say which
 * worker runs the task and until when; `attempt` counts claims (above 1: a worker was lost).
 * `created_at` (epoch ms) orders claims (oldest first) and lists (newest first).
 */
export function tasks(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createTable('tasks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region_id', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull().check(sql`active in (0, 1)`))
        .addColumn('resource_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('creation_time', 'text', (c) => c.notNull())
        .addColumn('finished_time', 'text')
        .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('progress_note', 'text')
        .addColumn('support_cancel', 'integer', (c) => c.notNull().check(sql`support_cancel in (0, 1)`))
        .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0).check(sql`cancel_requested in (0, 1)`))
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('success_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failed_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('spec', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tasks_by_scope').on('tasks').columns(['account_id', 'region_id', 'created_at']).execute();
      // The queue: claimable rows are active ones, oldest first.
      await db.schema.createIndex('tasks_queue').on('tasks').columns(['active', 'created_at'])
        .where(sql.ref('active'), '=', sql.lit(1)).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('tasks').execute();
    },
  };
}
