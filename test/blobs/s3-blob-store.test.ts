import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { blobStoreOf } from '../../src/main/blob-store.js';
import { startS3 } from '../support/s3.js';
import { blobStoreSuite } from './blob-store-suite.js';

// The store as Kiln's processes get it from KILN_BLOB_STORE=s3://…: the S3 test server read through the host cache.
blobStoreSuite('the S3 test server (through the host cache)', async () => {
  const s3 = await startS3();
  await s3.createBucket('kiln-blobs');
  const dataDir = await mkdtemp(join(tmpdir(), 'kiln-blobs-'));
  const config = loadConfig({ KILN_DATA_DIR: dataDir, ...s3.blobStoreEnv('kiln-blobs', 'suite/one') });
  return {
    store: blobStoreOf(config),
    async dispose() {
      await s3.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
