import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, type App } from '../app/app.js';
import type { KilnConfig } from '../config/config.js';
import { BLOB_STORE_SETTING, DEFAULT_ACCOUNT_SETTING } from '../domain/base-image-records.js';
import type { Store } from '../domain/ports.js';
import type { StoreHealth } from '../domain/store-health.js';
import { createStore } from '../store/create-store.js';
import { blobStoreLocation } from '../config/blob-store-location.js';
import { secureDataDir } from './data-dir.js';

/**
 * What `kiln worker` starts from: the store (migrations run) and the app, over a data dir of its
 * own that holds only this host's caches and instances. Unlike `boot`, it makes no account and
 * writes no credentials: a worker host shares nothing with the server but the database and the
 * blob store. `defaultAccountId` (the account that keeps every OSS bucket unless the grant table
 * names it) is the account of `KILN_ACCESS_KEY_ID` when set, else the one `kiln serve` recorded
 * in the store, else the one of a `default-credentials.json` in the data dir (a worker started
 * on the server's own data dir by an older Kiln), else none. A worker whose blob store is not
 * the one `kiln serve` recorded refuses to start.
 */
export async function bootWorker(config: KilnConfig): Promise<{ app: App; defaultAccountId: string | undefined; health: StoreHealth }> {
  secureDataDir(config.dataDir);
  const store = await createStore({ dataDir: config.dataDir, ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}) });
  try {
    await checkBlobStore(store, config);
    return { app: createApp(store, config), defaultAccountId: await defaultAccountOf(store, config), health: store };
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function defaultAccountOf(store: Store, config: KilnConfig): Promise<string | undefined> {
  if (config.accessKeyId) {
    const key = await store.accessKeys.get(config.accessKeyId);
    if (!key) throw new Error(`KILN_ACCESS_KEY_ID ${config.accessKeyId} is not a key of this database (start kiln serve with it first)`);
    return key.accountId;
  }
  const shared = await store.settings.get(DEFAULT_ACCOUNT_SETTING);
  if (shared) return shared;
  const file = join(config.dataDir, 'default-credentials.json');
  if (!existsSync(file)) return undefined;
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { accountId?: unknown };
  return typeof saved.accountId === 'string' ? saved.accountId : undefined;
}

/** The blob store as every host names it: `s3://bucket/prefix` or `file:///path` (not the endpoint, which hosts may spell differently). */
export function blobStoreName(config: Pick<KilnConfig, 'dataDir' | 'blobStore'>): string {
  const where = blobStoreLocation(config);
  return where.kind === 'local' ? `file://${where.dir}` : `s3://${where.bucket}${where.prefix ? `/${where.prefix}` : ''}`;
}

async function checkBlobStore(store: Store, config: KilnConfig): Promise<void> {
  const server = await store.settings.get(BLOB_STORE_SETTING);
  const mine = blobStoreName(config);
  if (server !== undefined && server !== mine) {
    throw new Error(`this worker's blob store is ${mine}, kiln serve's is ${server}: give the worker the same KILN_BLOB_STORE (and KILN_S3_*) so that every host reads the blobs the others write`);
  }
}
