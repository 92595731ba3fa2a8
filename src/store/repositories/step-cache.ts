import type { Scope, StepCacheRepository } from '../../domain/ports.js';
import type { StepCacheEntry } from '../../domain/step-cache.js';
import type { RepoContext } from './context.js';
import type { StepCacheTable } from '../schema.js';

function fromRow(r: StepCacheTable): StepCacheEntry {
  return {
    accountId: r.account_id,
    regionId: r.region_id,
    key: r.cache_key,
    ...(r.layer_digest !== null ? { layerDigest: r.layer_digest } : {}),
    layerSize: Number(r.layer_size),
    ...(r.tmp_digest !== null ? { tmpDigest: r.tmp_digest } : {}),
    ...(r.tmp_size !== null && r.tmp_size !== undefined ? { tmpSize: Number(r.tmp_size) } : {}),
    ...(r.output !== null ? { output: r.output } : {}),
    createdAt: Number(r.created_at),
    lastUsedAt: Number(r.last_used_at),
  };
}

/** Step cache entries, keyed by account, region and cache key. */
export function stepCacheRepository(ctx: RepoContext): StepCacheRepository {
  const inScope = (scope: Scope) => ctx.db.selectFrom('step_cache')
    .where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId);

  return {
    async get(scope, key) {
      const row = await inScope(scope).selectAll().where('cache_key', '=', key).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    },

    async put(entries) {
      if (entries.length === 0) return;
      await ctx.db.insertInto('step_cache')
        .values(entries.map((e) => ({
          account_id: e.accountId,
          region_id: e.regionId,
          cache_key: e.key,
          layer_digest: e.layerDigest ?? null,
          layer_size: e.layerSize,
          tmp_digest: e.tmpDigest ?? null,
          tmp_size: e.tmpSize ?? null,
          output: e.output ?? null,
          created_at: e.createdAt,
          last_used_at: e.lastUsedAt,
        })))
        .onConflict((oc) => oc.columns(['account_id', 'region_id', 'cache_key']).doUpdateSet((eb) => ({
          layer_digest: eb.ref('excluded.layer_digest'),
          layer_size: eb.ref('excluded.layer_size'),
          tmp_digest: eb.ref('excluded.tmp_digest'),
          tmp_size: eb.ref('excluded.tmp_size'),
          output: eb.ref('excluded.output'),
          created_at: eb.ref('excluded.created_at'),
          last_used_at: eb.ref('excluded.last_used_at'),
        })))
        .execute();
    },

    async touch(scope, keys, at) {
      if (keys.length === 0) return;
      await ctx.db.updateTable('step_cache').set({ last_used_at: at })
        .where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId)
        .where('cache_key', 'in', [...keys]).where('last_used_at', '<', at)
        .execute();
    },

    async listAll() {
      const rows = await ctx.db.selectFrom('step_cache').selectAll().orderBy('last_used_at').orderBy('cache_key').execute();
      return rows.map(fromRow);
    },

    async listForAccount(accountId) {
      const rows = await ctx.db.selectFrom('step_cache').selectAll().where('account_id', '=', accountId)
        .orderBy('last_used_at').orderBy('region_id').orderBy('cache_key').execute();
      return rows.map(fromRow);
    },

    async delete(scope, keys) {
      if (keys.length === 0) return;
      await ctx.db.deleteFrom('step_cache')
        .where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId)
        .where('cache_key', 'in', [...keys]).execute();
    },

    async clear(scope) {
      const r = await ctx.db.deleteFrom('step_cache')
        .where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
