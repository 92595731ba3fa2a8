import type { BaseImageRecord, BaseImageRecordRepository, SharedSettingRepository } from '../../domain/base-image-records.js';
import type { BaseImagesTable } from '../schema.js';
import type { RepoContext } from './context.js';

function fromRow(r: BaseImagesTable): BaseImageRecord {
  return {
    key: r.key,
    kind: r.kind,
    digest: r.digest,
    diffId: r.diff_id,
    size: Number(r.size),
    details: JSON.parse(r.details) as Record<string, unknown>,
    madeAt: Number(r.made_at),
    madeBy: r.made_by,
  };
}

function toRow(b: BaseImageRecord): BaseImagesTable {
  return { key: b.key, kind: b.kind, digest: b.digest, diff_id: b.diffId, size: b.size, details: JSON.stringify(b.details), made_at: b.madeAt, made_by: b.madeBy };
}

/** The base images made by the hosts of this Kiln (migrations/0012_shared_host_records.ts). */
export function baseImageRecordRepository(ctx: RepoContext): BaseImageRecordRepository {
  const get = async (key: string) => {
    const row = await ctx.db.selectFrom('base_images').selectAll().where('key', '=', key).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  };
  return {
    get,

    async latest(kind) {
      const row = await ctx.db.selectFrom('base_images').selectAll().where('kind', '=', kind)
        .orderBy('made_at', 'desc').orderBy('key', 'desc').limit(1).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async put(record, replacing) {
      const row = toRow(record);
      if (replacing === undefined) {
        await ctx.db.insertInto('base_images').values(row).onConflict((oc) => oc.column('key').doNothing()).execute();
      } else {
        const { key: _key, ...rest } = row;
        const r = await ctx.db.updateTable('base_images').set(rest).where('key', '=', record.key).where('digest', '=', replacing).executeTakeFirst();
        // The record went away meanwhile (never done today): record it anew.
        if (Number(r.numUpdatedRows) === 0) await ctx.db.insertInto('base_images').values(row).onConflict((oc) => oc.column('key').doNothing()).execute();
      }
      const now = await get(record.key);
      if (!now) throw new Error(`the base image record ${record.key} was not kept`);
      return now;
    },

    async list() {
      return (await ctx.db.selectFrom('base_images').selectAll().orderBy('key').execute()).map(fromRow);
    },
  };
}

/** Settings shared by every process of this Kiln (migrations/0012_shared_host_records.ts). */
export function sharedSettingRepository(ctx: RepoContext): SharedSettingRepository {
  return {
    async get(name) {
      return (await ctx.db.selectFrom('shared_settings').select('value').where('name', '=', name).executeTakeFirst())?.value;
    },
    async put(name, value) {
      await ctx.db.insertInto('shared_settings').values({ name, value })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value })).execute();
    },
  };
}
