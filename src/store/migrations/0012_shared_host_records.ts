import type { Kysely, Migration } from 'kysely';

/**
 * What worker hosts share through the store instead of a data dir (see
 * `domain/base-image-records.ts`):
 *
 * - `base_images`: the system base images made by any host, by key (what a base is made from),
 *   with their layer blob; `made_at` (epoch ms) orders a kind's records (`latest`), `details`
 *   is the base's own fields as JSON.
 * - `shared_settings`: name → value settings of the whole Kiln (the default account).
 */
export function sharedHostRecords(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createTable('base_images')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('diff_id', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('made_at', 'bigint', (c) => c.notNull())
        .addColumn('made_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('base_images_by_kind').on('base_images').columns(['kind', 'made_at']).execute();
      await db.schema.createTable('shared_settings')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('shared_settings').execute();
      await db.schema.dropTable('base_images').execute();
    },
  };
}
