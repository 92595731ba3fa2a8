import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KilnConfig } from '../config/config.js';
import { newAccessKeyPair } from '../domain/ids.js';
import { isStoreError } from '../domain/errors/store-error.js';
import type { Store } from '../domain/ports.js';
import { createAccessKey, createAccount } from './accounts.js';

export interface DefaultCredentials {
  accountId: string;
  accessKeyId: string;
  accessKeySecret: string;
}

const FILE = 'default-credentials.json';

/**
 * Makes sure the default account and its AccessKey exist. The key comes from
 * `KILN_ACCESS_KEY_ID`/`KILN_ACCESS_KEY_SECRET`, else from `<dataDir>/default-credentials.json`,
 * else it is generated and written there (mode 0600), so restarts keep the same key.
 */
export async function ensureDefaultAccount(store: Store, config: KilnConfig): Promise<DefaultCredentials> {
  mkdirSync(config.dataDir, { recursive: true });
  const path = join(config.dataDir, FILE);
  const saved: Partial<DefaultCredentials> = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) as DefaultCredentials : {};
  const regionIds = config.regions.map((r) => r.regionId);

  if (Boolean(config.accessKeyId) !== Boolean(config.accessKeySecret)) {
    // One without the other would silently fall back to another key than the one configured.
    throw new Error(`${config.accessKeyId ? 'KILN_ACCESS_KEY_ID is set without KILN_ACCESS_KEY_SECRET' : 'KILN_ACCESS_KEY_SECRET is set without KILN_ACCESS_KEY_ID'}; set both or neither`);
  }
  let pair: { id: string; secret: string };
  if (config.accessKeyId && config.accessKeySecret) pair = { id: config.accessKeyId, secret: config.accessKeySecret };
  else if (saved.accessKeyId && saved.accessKeySecret) pair = { id: saved.accessKeyId, secret: saved.accessKeySecret };
  else pair = newAccessKeyPair();

  let accountId: string;
  try {
    accountId = await accountOfKey(store, pair, saved, regionIds, path);
  } catch (err) {
    // Several hosts started at once on an empty database with the same configured key: one of
    // them creates it (account and key in one transaction), the others find it on a second look.
    if (!isStoreError(err, 'Store.Conflict')) throw err;
    accountId = await accountOfKey(store, pair, saved, regionIds, path);
  }

  const creds: DefaultCredentials = { accountId, accessKeyId: pair.id, accessKeySecret: pair.secret };
  writeFileSync(path, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return creds;
}

/** The account of `pair`, made (with the key) when the store has neither. */
async function accountOfKey(store: Store, pair: { id: string; secret: string }, saved: Partial<DefaultCredentials>, regionIds: string[], path: string): Promise<string> {
  const existing = await store.accessKeys.get(pair.id);
  let accountId: string;
  if (existing) {
    if (existing.secret !== pair.secret) {
      throw new Error(`AccessKey ${pair.id} exists with another secret; fix KILN_ACCESS_KEY_SECRET or ${path}`);
    }
    accountId = existing.accountId;
  } else if (saved.accountId && (await store.accounts.get(saved.accountId))) {
    accountId = saved.accountId;
    await createAccessKey(store, accountId, pair);
  } else {
    accountId = (await createAccount(store, regionIds, { name: 'default', key: pair })).account.id;
  }
  return accountId;
}
