import { createApp, type App } from '../app/app.js';
import { ensureDefaultAccount, type DefaultCredentials } from '../auth/default-account.js';
import type { KilnConfig } from '../config/config.js';
import { BLOB_STORE_SETTING, DEFAULT_ACCOUNT_SETTING } from '../domain/base-image-records.js';
import type { StoreHealth } from '../domain/store-health.js';
import { createStore } from '../store/create-store.js';
import { blobStoreOf } from './blob-store.js';
import { secureDataDir } from './data-dir.js';
import { imageLayerReader } from './image-layer-reader.js';
import { blobStoreName } from './worker-boot.js';

/** Makes the data dir owner-only, opens the store (running migrations), makes the default account, and builds the app. */
export async function boot(config: KilnConfig): Promise<{ app: App; credentials: DefaultCredentials; health: StoreHealth }> {
  secureDataDir(config.dataDir);
  const store = await createStore({ dataDir: config.dataDir, ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}) });
  try {
    const credentials = await ensureDefaultAccount(store, config);
    // `kiln worker` on another host learns the default account from the store (see bootWorker).
    await store.settings.put(DEFAULT_ACCOUNT_SETTING, credentials.accountId);
    await store.settings.put(BLOB_STORE_SETTING, blobStoreName(config));
    return { app: createApp(store, config, { imageLayers: imageLayerReader(blobStoreOf(config)) }), credentials, health: store };
  } catch (err) {
    await store.close();
    throw err;
  }
}
