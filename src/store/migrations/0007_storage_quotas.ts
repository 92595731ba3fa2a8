import type { Kysely, Migration } from 'kysely';

/**
 * What the per-account storage quotas count (see `domain/storage-quota.ts`):
 * - `image_layers`: the layers (digest, bytes) each image manifest names, written with the
 *   image; the account's image bytes are the distinct layers of the manifests its images name.
 *   Manifests are content-addressed, so the rows never change; garbage collection drops those
 *   of manifests no image names, and fills in those of images made before this migration.
 * - `images.manifest_digest`: the manifest as a column (it was only inside `spec`), copied
 *   here from `spec` for the images that exist.
 * - `step_cache.tmp_size`: bytes of an entry's /tmp snapshot (null on older entries).
 */
export function storageQuotas(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.createTable('image_layers')
        .addColumn('manifest_digest', 'text', (c) => c.notNull())
        .addColumn('layer_digest', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('image_layers_pk', ['manifest_digest', 'layer_digest'])
        .execute();

      await db.schema.alterTable('images').addColumn('manifest_digest', 'text').execute();
      const rows = await db.selectFrom('images').select(['id', 'spec']).execute() as Array<{ id: string; spec: string }>;
      for (const r of rows) {
        const digest = (JSON.parse(r.spec) as { manifestDigest?: string }).manifestDigest;
        if (digest) await db.updateTable('images').set({ manifest_digest: digest }).where('id', '=', r.id).execute();
      }
      await db.schema.createIndex('images_by_account_manifest').on('images').columns(['account_id', 'manifest_digest']).execute();
      await db.schema.createIndex('images_by_manifest').on('images').columns(['manifest_digest']).execute();

      await db.schema.alterTable('step_cache').addColumn('tmp_size', 'bigint').execute();
      await db.schema.createIndex('step_cache_by_account').on('step_cache').columns(['account_id', 'last_used_at']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('step_cache_by_account').execute();
      await db.schema.alterTable('step_cache').dropColumn('tmp_size').execute();
      await db.schema.dropIndex('images_by_manifest').execute();
      await db.schema.dropIndex('images_by_account_manifest').execute();
      await db.schema.alterTable('images').dropColumn('manifest_digest').execute();
      await db.schema.dropTable('image_layers').execute();
    },
  };
}
