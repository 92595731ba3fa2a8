import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { blobStoreSuite } from './blob-store-suite.js';

blobStoreSuite('a local folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-blobs-'));
  return { store: new LocalBlobStore(join(dir, 'blobs')), dispose: () => rm(dir, { recursive: true, force: true }) };
});
