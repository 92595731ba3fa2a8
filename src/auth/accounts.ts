import type { Account, AccessKey } from '../domain/account.js';
import { KilnError } from '../domain/errors.js';
import { newAccessKeyPair, newAccountId } from '../domain/ids.js';
import type { Repositories, Store } from '../domain/ports.js';
import { ecsTime } from '../domain/time.js';
import { ensureDefaultResourceGroup, ensureDefaultVSwitch } from '../app/account-defaults.js';

/* Accounts and their AccessKeys. */

/** Makes the account's default resource group and its default vSwitch in each region now (they are also made on first need). */
async function ensureDefaults(tx: Repositories, accountId: string, regionIds: readonly string[]): Promise<void> {
  await ensureDefaultResourceGroup(tx, accountId);
  for (const regionId of regionIds) await ensureDefaultVSwitch(tx, { accountId, regionId });
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
