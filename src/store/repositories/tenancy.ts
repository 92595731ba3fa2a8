import type { AccessKey, Account, ResourceGroup } from '../../domain/account.js';
import type { AccessKeyRepository, AccountRepository, ResourceGroupRepository, VSwitch, VSwitchRepository } from '../../domain/ports.js';
import { StoreConflictError, StoreNotFoundError } from '../errors.js';
import type { AccessKeysTable, ResourceGroupsTable, VSwitchesTable } from '../schema.js';
import type { RepoContext } from './context.js';
import { translating } from './translate.js';

type Row<T> = Omit<T, 'seq'>;

const accountMissing = (accountId: string) => (cause: unknown) => new StoreNotFoundError('Account', accountId, { cause });

export function accountRepository(ctx: RepoContext): AccountRepository {
  const columns = ['id', 'name', 'creation_time'] as const;
  const toAccount = (r: { id: string; name: string; creation_time: string }): Account => ({ id: r.id, name: r.name, creationTime: r.creation_time });
  return {
    async insert(a) {
      await translating(
        ctx.db.insertInto('accounts').values({ id: a.id, name: a.name, creation_time: a.creationTime }).execute(),
        { unique: (cause) => new StoreConflictError('Account', `Account ${a.id} already exists.`, { cause }) },
      );
    },
    async get(id) {
      const r = await ctx.db.selectFrom('accounts').select(columns).where('id', '=', id).executeTakeFirst();
      return r && toAccount(r);
    },
    async list() {
      return (await ctx.db.selectFrom('accounts').select(columns).orderBy('seq').execute()).map(toAccount);
    },
  };
}

export function accessKeyRepository(ctx: RepoContext): AccessKeyRepository {
  const columns = ['id', 'secret', 'account_id', 'status', 'creation_time'] as const;
  const toKey = (r: Row<AccessKeysTable>): AccessKey => ({
    id: r.id,
    secret: r.secret,
    accountId: r.account_id,
    status: r.status as AccessKey['status'],
    creationTime: r.creation_time,
  });
  return {
    async insert(k) {
      await translating(
        ctx.db.insertInto('access_keys').values({ id: k.id, secret: k.secret, account_id: k.accountId, status: k.status, creation_time: k.creationTime }).execute(),
        {
          unique: (cause) => new StoreConflictError('AccessKey', `AccessKey ${k.id} already exists.`, { cause }),
          foreignKey: accountMissing(k.accountId),
        },
      );
    },
    async get(id) {
      const r = await ctx.db.selectFrom('access_keys').select(columns).where('id', '=', id).executeTakeFirst();
      return r && toKey(r);
    },
    async listByAccount(accountId) {
      return (await ctx.db.selectFrom('access_keys').select(columns).where('account_id', '=', accountId).orderBy('seq').execute()).map(toKey);
    },
    async setStatus(id, status) {
      const result = await ctx.db.updateTable('access_keys').set({ status }).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

export function resourceGroupRepository(ctx: RepoContext): ResourceGroupRepository {
  const columns = ['id', 'account_id', 'name', 'is_default'] as const;
  const toGroup = (r: Row<ResourceGroupsTable>): ResourceGroup => ({ id: r.id, accountId: r.account_id, name: r.name, isDefault: r.is_default === 1 });
  const byAccount = (accountId: string) => ctx.db.selectFrom('resource_groups').select(columns).where('account_id', '=', accountId);
  return {
    async insert(g) {
      await translating(
        ctx.db.insertInto('resource_groups').values({ id: g.id, account_id: g.accountId, name: g.name, is_default: g.isDefault ? 1 : 0 }).execute(),
        {
          unique: (cause) => new StoreConflictError('ResourceGroup', `Resource group ${g.id} already exists, or the account already has a default resource group.`, { cause }),
          foreignKey: accountMissing(g.accountId),
        },
      );
    },
    async get(accountId, id) {
      const r = await byAccount(accountId).where('id', '=', id).executeTakeFirst();
      return r && toGroup(r);
    },
    async getDefault(accountId) {
      const r = await byAccount(accountId).where('is_default', '=', 1).executeTakeFirst();
      return r && toGroup(r);
    },
    async list(accountId) {
      return (await byAccount(accountId).orderBy('seq').execute()).map(toGroup);
    },
  };
}

export function vSwitchRepository(ctx: RepoContext): VSwitchRepository {
  const columns = ['id', 'account_id', 'region_id', 'zone_id', 'cidr_block', 'is_default'] as const;
  const toVSwitch = (r: Row<VSwitchesTable>): VSwitch => ({
    id: r.id,
    accountId: r.account_id,
    regionId: r.region_id,
    zoneId: r.zone_id,
    cidrBlock: r.cidr_block,
    isDefault: r.is_default === 1,
  });
  return {
    async insert(v) {
      await translating(
        ctx.db.insertInto('vswitches').values({
          id: v.id,
          account_id: v.accountId,
          region_id: v.regionId,
          zone_id: v.zoneId,
          cidr_block: v.cidrBlock,
          is_default: v.isDefault ? 1 : 0,
        }).execute(),
        {
          unique: (cause) => new StoreConflictError('VSwitch', `vSwitch ${v.id} already exists, or the region already has a default vSwitch.`, { cause }),
          foreignKey: accountMissing(v.accountId),
        },
      );
    },
    async get(scope, id) {
      const r = await ctx.db.selectFrom('vswitches').select(columns)
        .where('id', '=', id).where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId)
        .executeTakeFirst();
      return r && toVSwitch(r);
    },
    async getDefault(scope) {
      const r = await ctx.db.selectFrom('vswitches').select(columns)
        .where('account_id', '=', scope.accountId).where('region_id', '=', scope.regionId).where('is_default', '=', 1)
        .executeTakeFirst();
      return r && toVSwitch(r);
    },
  };
}
