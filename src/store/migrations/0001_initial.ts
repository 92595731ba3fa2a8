import { sql, type Kysely, type Migration } from 'kysely';
import type { SchemaHelpers } from './index.js';

/**
 * The initial schema: the same DDL for SQLite and PostgreSQL except the `seq` primary key of
 * the small tables (see `SchemaHelpers.seqColumn`). Booleans are integer 0/1 (checked), JSON
 * is text, times are ECS time strings.
 *
 * Keyset paging of the tenant tables (pipelines, components, tags). Their `seq` is numbered
 * per scope by `scope_counters` (see `repositories/scope-counters.ts`), unique per scope, and
 * deliberately has no index of its own: the only access paths in seq order are the
 * scope-prefixed indexes, e.g. (account_id, region_id, seq). With a global seq primary key,
 * both planners may walk the primary key in seq order and filter by scope — for a tenant whose
 * rows sit after 100,000 rows of another, that read every other row (0.3–0.5 s per page).
 */
export function initial(h: SchemaHelpers): Migration {
  return {
    async up(db: Kysely<any>) {
      // ------------------------------------------------------------ accounts and their infrastructure
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

      // ------------------------------------------------------------ per-scope sequence numbers and counts
      // One row per (kind, account, region); kinds: imagepipeline, imagecomponent,
      // imagepipeline.tag, imagecomponent.tag. `last_seq` only grows; `row_count` is the
      // number of rows of that kind in the scope (the unfiltered totalCount and the quota count).
      await db.schema.createTable('scope_counters')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region_id', 'text', (c) => c.notNull())
        .addColumn('last_seq', 'bigint', (c) => c.notNull())
        .addColumn('row_count', 'bigint', (c) => c.notNull().check(sql`row_count >= 0`))
        .addPrimaryKeyConstraint('scope_counters_pk', ['kind', 'account_id', 'region_id'])
        .execute();

      // ------------------------------------------------------------ image templates
      await db.schema.createTable('pipelines')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('resource_group_id', 'text', (c) => c.notNull())
        .addColumn('creation_time', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('pipelines_by_scope').on('pipelines').unique().columns(['account_id', 'region_id', 'seq']).execute();
      await db.schema.createIndex('pipelines_by_name').on('pipelines').columns(['account_id', 'region_id', 'name', 'seq']).execute();
      await db.schema.createIndex('pipelines_by_resource_group').on('pipelines').columns(['account_id', 'region_id', 'resource_group_id', 'seq']).execute();
      // `id in (…)` filters (ids, tags) check the scope and read seq without touching the row.
      await db.schema.createIndex('pipelines_by_id_scope').on('pipelines').columns(['id', 'account_id', 'region_id', 'seq']).execute();

      await db.schema.createTable('pipeline_component_refs')
        .addColumn('pipeline_id', 'text', (c) => c.notNull().references('pipelines.id').onDelete('cascade'))
        .addColumn('component_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('pipeline_component_refs_pk', ['pipeline_id', 'component_id'])
        .execute();
      await db.schema.createIndex('pipeline_component_refs_by_component').on('pipeline_component_refs').column('component_id').execute();

      // ------------------------------------------------------------ image components
      await db.schema.createTable('components')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
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
      await db.schema.createIndex('components_by_scope').on('components').unique().columns(['account_id', 'region_id', 'seq']).execute();
      // A version is unique among the components of one name (and serves versionsOf and the version filter).
      await db.schema.createIndex('components_name_version').on('components').unique()
        .columns(['account_id', 'region_id', 'name', 'major', 'minor', 'patch']).execute();
      await db.schema.createIndex('components_by_id_scope').on('components').columns(['id', 'account_id', 'region_id', 'seq']).execute();

      // ------------------------------------------------------------ tags
      await db.schema.createTable('tags')
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('tag_key', 'text', (c) => c.notNull())
        .addColumn('tag_value', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('tags_pk', ['resource_type', 'resource_id', 'tag_key'])
        .execute();
      // Tag listing (ListTagResources) of one type in one scope, in seq order.
      await db.schema.createIndex('tags_by_scope').on('tags').unique().columns(['account_id', 'region_id', 'resource_type', 'seq']).execute();
      // Tag filters: "resources of this type in this scope carrying key [= value]".
      await db.schema.createIndex('tags_by_key_value').on('tags')
        .columns(['account_id', 'region_id', 'resource_type', 'tag_key', 'tag_value', 'resource_id']).execute();

      // ------------------------------------------------------------ idempotency (ClientToken)
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
      for (const t of ['idempotency', 'tags', 'components', 'pipeline_component_refs', 'pipelines', 'scope_counters', 'vswitches', 'resource_groups', 'access_keys', 'accounts']) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}
