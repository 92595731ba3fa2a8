import type { Account, AccessKey } from '../domain/account.js';
import { KilnError } from '../domain/errors.js';
import { newAccessKeyPair, newAccountId, newResourceGroupId, newVSwitchId } from '../domain/ids.js';
import type { Repositories, Store } from '../domain/ports.js';
import { ecsTime } from '../domain/time.js';

/*
 * Accounts and their AccessKeys. Every account gets a default resource group and, in each
 * configured region, a default vSwitch, so that templates which name neither work at once.
 */

async function ensureDefaults(tx: Repositories, accountId: string, regionIds: readonly string[]): Promise<void> {
  if (!(await tx.resourceGroups.getDefault(accountId))) {
    await tx.resourceGroups.insert({ id: newResourceGroupId(), accountId, name: 'default', isDefault: true });
  }
  for (const [i, regionId] of regionIds.entries()) {
    if (!(await tx.vSwitches.getDefault({ accountId, regionId }))) {
      await tx.vSwitches.insert({
        id: newVSwitchId(), accountId, regionId, zoneId: `${regionId}-a`, cidrBlock: `172.${16 + (i % 16)}.0.0/20`, isDefault: true,
      });
    }
  }
}

export interface NewAccount {
  account: Account;
  accessKey: AccessKey;
}

/** Creates an account with its defaults and a first AccessKey (or the given one). */
export async function createAccount(store: Store, regionIds: readonly string[], opts: { name?: string; id?: string; key?: { id: string; secret: string } } = {}): Promise<NewAccount> {
  return store.transaction(async (tx) => {
    const account: Account = { id: opts.id ?? newAccountId(), name: opts.name ?? 'account', creationTime: ecsTime() };
    await tx.accounts.insert(account);
    await ensureDefaults(tx, account.id, regionIds);
    const pair = opts.key ?? newAccessKeyPair();
    const accessKey: AccessKey = { id: pair.id, secret: pair.secret, accountId: account.id, status: 'Active', creationTime: ecsTime() };
    await tx.accessKeys.insert(accessKey);
    return { account, accessKey };
  });
}

/** Adds an AccessKey to an existing account. */
export async function createAccessKey(store: Store, accountId: string, pair = newAccessKeyPair()): Promise<AccessKey> {
  return store.transaction(async (tx) => {
    if (!(await tx.accounts.get(accountId))) throw new KilnError('InvalidAccountId.NotFound', `account ${accountId} does not exist`);
    if (await tx.accessKeys.get(pair.id)) throw new KilnError('InvalidAccessKeyId.Duplicate', `AccessKey ${pair.id} already exists`);
    const key: AccessKey = { id: pair.id, secret: pair.secret, accountId, status: 'Active', creationTime: ecsTime() };
    await tx.accessKeys.insert(key);
    return key;
  });
}

/** Gives every account its defaults in every configured region (the list may have grown). */
export async function ensureAllAccountDefaults(store: Store, regionIds: readonly string[]): Promise<void> {
  for (const account of await store.accounts.list()) {
    await store.transaction((tx) => ensureDefaults(tx, account.id, regionIds));
  }
}
