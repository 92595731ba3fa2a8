import type { Kysely, Migration } from 'kysely';

/** Images owned by accounts (built or imported) and the accounts they are shared with. */
export function images(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createTable('images')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('region_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('family', 'text')
        .addColumn('creation_time', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('images_by_scope').on('images').columns(['account_id', 'region_id', 'creation_time']).execute();
      // Image names are unique per account and region (InvalidImageName.Duplicated).
      await db.schema.createIndex('images_name').on('images').unique().columns(['account_id', 'region_id', 'name']).execute();

      await db.schema.createTable('image_shares')
        .addColumn('image_id', 'text', (c) => c.notNull().references('images.id').onDelete('cascade'))
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('image_shares_pk', ['image_id', 'account_id'])
        .execute();
      await db.schema.createIndex('image_shares_by_account').on('image_shares').columns(['account_id', 'image_id']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('image_shares').execute();
      await db.schema.dropTable('images').execute();
    },
  };
}
