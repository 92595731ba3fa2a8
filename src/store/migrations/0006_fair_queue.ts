import type { Kysely, Migration } from 'kysely';

/**
 * The fair queue (claims spread across accounts) and host disk admission.
 *
 * On `executions`: `claimed_at` (epoch ms of the last claim); `disk_pool` names the host disk a
 * claimed build's SystemDiskSize was admitted on and `disk_gib` is that size (both null for a
 * build admitted without host disk accounting). `queue_accounts` keeps, per account, when one
 * of its executions was last claimed: among accounts with as many running builds, the one
 * served longest ago goes first.
 */
export function fairQueue(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('executions').addColumn('claimed_at', 'bigint').execute();
      await db.schema.alterTable('executions').addColumn('disk_pool', 'text').execute();
      await db.schema.alterTable('executions').addColumn('disk_gib', 'integer').execute();
      await db.schema.createTable('queue_accounts')
        .addColumn('account_id', 'text', (c) => c.primaryKey())
        .addColumn('last_claimed_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('queue_accounts').execute();
      for (const column of ['disk_gib', 'disk_pool', 'claimed_at']) await db.schema.alterTable('executions').dropColumn(column).execute();
    },
  };
}
