import { sql, type Kysely, type Migration } from 'kysely';
import type { SchemaHelpers } from './index.js';

/**
 * The initial schema. Every listed table has `seq` (only grows) for keyset paging; the
 * listing index of a tenant table is (account_id, region_id, seq) so a page "after S" in one
 * scope is a range scan and the scope's count(*) is an index-only count.
 *
 * Booleans are integer 0/1 (checked), JSON is text, times are ECS time strings: the same
 * DDL for SQLite and PostgreSQL except the `seq` column (see `SchemaHelpers.seqColumn`).
 */
export function initial(h: SchemaHelpers): Migration {
  return {
    async up(db: Kysely<any>) {
      await h.seqColumn(db.schema.createTable('accounts'))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('creation_time', 'text', (c) => c.notNull())
        .execute();

      await h.seqColumn(db.schema.createTable('access_keys'))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('Active', 'Inactive')`))
        .addColumn('creation_time', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('access_keys_by_account').on('access_keys').columns(['account_id', 'seq']).execute();

      await h.seqColumn(db.schema.createTable('resource_groups'))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull().check(sql`is_default in (0, 1)`))
        .execute();
      await db.schema.createIndex('resource_groups_by_account').on('resource_groups').columns(['account_id', 'seq']).execute();
      // At most one default resource group per account.
      await db.schema.createIndex('resource_groups_one_default').on('resource_groups').column('account_id').unique()
        .where(sql.ref('is_default'), '=', sql.lit(1)).execute();

      await h.seqColumn(db.schema.createTable('vswitches'))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('region_id', 'text', (c) => c.notNull())
        .addColumn('zone_id', 'text', (c) => c.notNull())
        .addColumn('cidr_block', 'text', (c) => c.notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull().check(sql`is_default in (0, 1)`))
        .execute();
      await db.schema.createIndex('vswitches_by_scope').on('vswitches').columns(['account_id', 'region_id', 'seq']).execute();
      // At most one default vSwitch per account and region.
      await db.schema.createIndex('vswitches_one_default').on('vswitches').columns(['account_id', 'region_id']).unique()
        .where(sql.ref('is_default'), '=', sql.lit(1)).execute();

      await h.seqColumn(db.schema.createTable('pipelines'))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('resource_group_id', 'text', (c) => c.notNull())
        .addColumn('creation_time', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('pipelines_by_scope').on('pipelines').columns(['account_id', 'region_id', 'seq']).execute();
      await db.schema.createIndex('pipelines_by_name').on('pipelines').columns(['account_id', 'region_id', 'name', 'seq']).execute();
      await db.schema.createIndex('pipelines_by_resource_group').on('pipelines').columns(['account_id', 'region_id', 'resource_group_id', 'seq']).execute();

      await db.schema.createTable('pipeline_component_refs')
        .addColumn('pipeline_id', 'text', (c) => c.notNull().references('pipelines.id').onDelete('cascade'))
        .addColumn('component_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('pipeline_component_refs_pk', ['pipeline_id', 'component_id'])
        .execute();
      await db.schema.createIndex('pipeline_component_refs_by_component').on('pipeline_component_refs').column('component_id').execute();

      await h.seqColumn(db.schema.createTable('components'))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('major', 'integer', (c) => c.notNull().check(sql`major >= 0`))
        .addColumn('minor', 'integer', (c) => c.notNull().check(sql`minor >= 0`))
        .addColumn('patch', 'integer', (c) => c.notNull().check(sql`patch >= 0`))
        .addColumn('component_type', 'text', (c) => c.notNull())
        .addColumn('system_type', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('resource_group_id', 'text')
        .addColumn('creation_time', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('components_by_scope').on('components').columns(['account_id', 'region_id', 'seq']).execute();
      // A version is unique among the components of one name (and serves versionsOf and the version filter).
      await db.schema.createIndex('components_name_version').on('components').unique()
        .columns(['account_id', 'region_id', 'name', 'major', 'minor', 'patch']).execute();

      await h.seqColumn(db.schema.createTable('tags'))
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region_id', 'text', (c) => c.notNull())
        .addColumn('tag_key', 'text', (c) => c.notNull())
        .addColumn('tag_value', 'text', (c) => c.notNull())
        .addUniqueConstraint('tags_one_value_per_key', ['resource_type', 'resource_id', 'tag_key'])
        .execute();
      // Tag listing (ListTagResources) in one scope, in seq order.
      await db.schema.createIndex('tags_by_scope').on('tags').columns(['account_id', 'region_id', 'resource_type', 'seq']).execute();
      // Tag filters: "resources of this type in this scope carrying key [= value]".
      await db.schema.createIndex('tags_by_key_value').on('tags')
        .columns(['account_id', 'region_id', 'resource_type', 'tag_key', 'tag_value', 'resource_id']).execute();

      await db.schema.createTable('idempotency')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('client_token', 'text', (c) => c.notNull())
        .addColumn('params_digest', 'text', (c) => c.notNull())
        .addColumn('response', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_pk', ['account_id', 'action', 'client_token'])
        .execute();
      await db.schema.createIndex('idempotency_by_age').on('idempotency').column('created_at').execute();
    },

    async down(db: Kysely<any>) {
      for (const t of ['idempotency', 'tags', 'components', 'pipeline_component_refs', 'pipelines', 'vswitches', 'resource_groups', 'access_keys', 'accounts']) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}
