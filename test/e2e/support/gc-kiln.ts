import { join } from 'node:path';
import { LocalBlobStore } from '../../../src/blobs/local-blob-store.js';
import { LayerStore } from '../../../src/engine/layers/layer-store.js';
import { kilnFixture } from '../../support/kiln-fixture.js';
import type { TestKiln } from '../../support/kiln.js';

/*
 * The garbage-collection suites (garbage-collection, gc-command): a Kiln with one build worker
 * and the blob and layer stores of its data dir, which the tests inspect directly.
 */

/** What {@link gcKilnFixture} gives a test file; valid inside tests after the start. */
export interface GcKilnFixture {
  /** The running Kiln (`KILN_WORKERS=1`). */
  readonly kiln: TestKiln;
  /** The blob store in its data dir. */
  readonly blobs: LocalBlobStore;
  /** The extracted-layer store in its data dir. */
  readonly layers: LayerStore;
}

/** Starts the Kiln before the file's tests and stops it after them; call at module level. */
export function gcKilnFixture(): GcKilnFixture {
  const api = kilnFixture({ KILN_WORKERS: '1' });
  let stores: { blobs: LocalBlobStore; layers: LayerStore } | undefined;
  const open = () => {
    if (!stores) {
      const blobs = new LocalBlobStore(join(api.kiln.config.dataDir, 'blobs'));
      stores = { blobs, layers: new LayerStore(api.kiln.config.dataDir, blobs) };
    }
    return stores;
  };
  return {
    get kiln() {
      return api.kiln;
    },
    get blobs() {
      return open().blobs;
    },
    get layers() {
      return open().layers;
    },
  };
}
