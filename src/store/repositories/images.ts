import { patchImage, type Image } from '../../domain/image.js';
import type { ImageRepository, Scope } from '../../domain/ports.js';
import { StoreConflictError, StoreNotFoundError } from '../errors.js';
import { imageFromSpec, imageToRow } from '../records/image-record.js';
import { readRecords } from '../records/read-records.js';
import type { RepoContext } from './context.js';
import { translating } from './translate.js';

/** Account images on SQL: the record of `records/image-record.ts`; reads select its `spec` alone. */
export function imageRepository(ctx: RepoContext): ImageRepository {
  const owned = (scope: Scope) => ctx.db.selectFrom('images')
    .where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId);

  async function getOwned(scope: Scope, imageId: string): Promise<Image | undefined> {
    const row = await owned(scope).select('spec').where('id', '=', imageId).executeTakeFirst();
    return row ? imageFromSpec(row.spec, 'self', imageId) : undefined;
  }

  return {
    async insert(image) {
      await translating(ctx.db.insertInto('images').values(imageToRow(image)).execute(), { unique: (cause) => new StoreConflictError('Image', `Image name ${image.imageName} is already in use in ${image.regionId}.`, { cause }) });
    },

    getOwned,

    async update(scope, imageId, patch) {
      const conflict = (name: string) => (cause: unknown) => new StoreConflictError('Image', `Image name ${name} is already in use in ${scope.regionId}.`, { cause });
      return ctx.atomic(async (db) => {
        const row = await db.selectFrom('images').select('spec').where('id', '=', imageId)
          .where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId).executeTakeFirst();
        if (!row) return undefined;
        const next = patchImage(imageFromSpec(row.spec, 'self', imageId), patch);
        // The record and every column derived from it in one statement (records/image-record.ts).
        const { name, family, manifest_digest, spec } = imageToRow(next);
        await translating(db.updateTable('images').set({ name, family, manifest_digest, spec }).where('id', '=', imageId).execute(), { unique: conflict(name) });
        return next;
      });
    },

    async allManifestDigests() {
      // The column owns the manifest (records/image-record.ts); an empty one names nothing.
      const rows = await ctx.db.selectFrom('images').select('manifest_digest').where('manifest_digest', 'is not', null).execute();
      return rows.flatMap((r) => (r.manifest_digest ? [r.manifest_digest] : []));
    },

    async getVisible(scope, imageId) {
      const mine = await getOwned(scope, imageId);
      if (mine) return mine;
      const row = await ctx.db.selectFrom('images').innerJoin('image_shares', 'image_shares.image_id', 'images.id')
        .select('images.spec').where('images.id', '=', imageId).where('images.region_id', '=', scope.regionId)
        .where('image_shares.account_id', '=', scope.accountId).executeTakeFirst();
      return row ? imageFromSpec(row.spec, 'others', imageId) : undefined;
    },

    async listVisible(scope) {
      const mine = await owned(scope).select('spec').orderBy('creation_time').orderBy('id').execute();
      const shared = await ctx.db.selectFrom('images').innerJoin('image_shares', 'image_shares.image_id', 'images.id')
        .select('images.spec').where('images.region_id', '=', scope.regionId).where('image_shares.account_id', '=', scope.accountId)
        .orderBy('images.creation_time').orderBy('images.id').execute();
      return [
        ...await readRecords(ctx.db, 'images', mine, (r) => imageFromSpec(r.spec, 'self')),
        ...await readRecords(ctx.db, 'images', shared, (r) => imageFromSpec(r.spec, 'others')),
      ];
    },

    async nameTaken(scope, imageName) {
      return (await owned(scope).select('id').where('name', '=', imageName).executeTakeFirst()) !== undefined;
    },

    async delete(scope, imageId) {
      return ctx.atomic(async (db) => {
        const found = await db.selectFrom('images').select('id').where('id', '=', imageId)
          .where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId).executeTakeFirst();
        if (!found) return false;
        await db.deleteFrom('image_shares').where('image_id', '=', imageId).execute();
        await db.deleteFrom('images').where('id', '=', imageId).execute();
        return true;
      });
    },

    async addShares(scope, imageId, accountIds) {
      await ctx.atomic(async (db) => {
        const found = await db.selectFrom('images').select('id').where('id', '=', imageId)
          .where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId).executeTakeFirst();
        if (!found) throw new StoreNotFoundError('Image', imageId);
        if (accountIds.length === 0) return;
        await db.insertInto('image_shares').values([...new Set(accountIds)].map((account_id) => ({ image_id: imageId, account_id })))
          .onConflict((oc) => oc.columns(['image_id', 'account_id']).doNothing()).execute();
      });
    },

    async removeShares(scope, imageId, accountIds) {
      if (accountIds.length === 0) return;
      await ctx.db.deleteFrom('image_shares').where('image_id', '=', imageId).where('account_id', 'in', [...accountIds])
        .where('image_id', 'in', owned(scope).select('id').where('id', '=', imageId)).execute();
    },

    async shares(scope, imageId) {
      return (await ctx.db.selectFrom('image_shares').innerJoin('images', 'images.id', 'image_shares.image_id')
        .select('image_shares.account_id').where('image_shares.image_id', '=', imageId)
        .where('images.account_id', '=', scope.accountId).where('images.region_id', '=', scope.regionId)
        .orderBy('image_shares.account_id').execute())
        .map((r) => r.account_id);
    },

    async sharedAmong(scope, imageIds) {
      if (imageIds.length === 0) return new Set<string>();
      const rows = await ctx.db.selectFrom('image_shares').innerJoin('images', 'images.id', 'image_shares.image_id')
        .select('image_shares.image_id').distinct().where('image_shares.image_id', 'in', [...imageIds])
        .where('images.account_id', '=', scope.accountId).where('images.region_id', '=', scope.regionId).execute();
      return new Set(rows.map((r) => r.image_id));
    },

    async recordLayers(manifestDigest, layers) {
      const unique = new Map(layers.map((l) => [l.digest, l.size]));
      if (unique.size === 0) return;
      await ctx.db.insertInto('image_layers')
        .values([...unique].map(([layer_digest, size]) => ({ manifest_digest: manifestDigest, layer_digest, size })))
        .onConflict((oc) => oc.columns(['manifest_digest', 'layer_digest']).doNothing())
        .execute();
    },

    async storageBytes(accountId) {
      // Distinct layers first (a layer in several of the account's manifests counts once), then their sum.
      const layers = ctx.db.selectFrom('image_layers')
        .select((eb) => ['image_layers.layer_digest', eb.fn.max('image_layers.size').as('size')])
        .where('image_layers.manifest_digest', 'in', ctx.db.selectFrom('images').select('images.manifest_digest').where('images.account_id', '=', accountId))
        .groupBy('image_layers.layer_digest');
      const row = await ctx.db.selectFrom(layers.as('t')).select((eb) => eb.fn.sum<number | string | null>('t.size').as('bytes')).executeTakeFirst();
      return Number(row?.bytes ?? 0);
    },

    async unrecordedManifests() {
      const rows = await ctx.db.selectFrom('images').select('images.manifest_digest').distinct()
        .where('images.manifest_digest', 'is not', null)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('image_layers').select('image_layers.layer_digest')
          .whereRef('image_layers.manifest_digest', '=', 'images.manifest_digest'))))
        .execute();
      return rows.map((r) => r.manifest_digest!);
    },

    async pruneLayerRecords() {
      const r = await ctx.db.deleteFrom('image_layers')
        .where((eb) => eb.not(eb.exists(eb.selectFrom('images').select('images.id')
          .whereRef('images.manifest_digest', '=', 'image_layers.manifest_digest'))))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
