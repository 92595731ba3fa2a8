import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BaseImageRecord } from '../../src/domain/base-image-records.js';
import type { Store } from '../../src/domain/ports.js';
import { createStore } from '../../src/store/create-store.js';
import { FRESH_DATABASES } from './fresh-databases.js';
import type { Backend } from './helpers.js';

/* The records worker hosts share instead of a data dir (base images, shared settings), on both databases. */

const HEX = (c: string) => `sha256:${c.repeat(64)}`;

function record(key: string, over: Partial<BaseImageRecord> = {}): BaseImageRecord {
  return { key, kind: 'busybox', digest: HEX('a'), diffId: HEX('b'), size: 4_000_000_000, details: { buildSeconds: 3, suite: 'bookworm' }, madeAt: 1_700_000_000_000, madeBy: 'host-a', ...over };
}

for (const [name, fresh] of FRESH_DATABASES) {
  describe(`shared host records on ${name}`, () => {
    let backend: Backend;
    let store: Store;
    before(async () => {
      backend = await fresh();
      store = await createStore({ databaseUrl: backend.url, dataDir: backend.dataDir });
    });
    after(async () => {
      await store?.close();
      await backend?.dispose();
    });

    it('keeps the first record of a key (a second host making the same base gets the first one back)', async () => {
      const first = record('busybox-1');
      assert.deepEqual(await store.baseImages.put(first), first);
      const second = record('busybox-1', { digest: HEX('c'), madeBy: 'host-b', madeAt: first.madeAt + 5 });
      assert.deepEqual(await store.baseImages.put(second), first);
      assert.deepEqual(await store.baseImages.get('busybox-1'), first);
      assert.equal(await store.baseImages.get('busybox-none'), undefined);
    });

    it('replaces a record only when it still has the digest being replaced', async () => {
      const now = await store.baseImages.put(record('busybox-2'));
      const remade = record('busybox-2', { digest: HEX('d'), madeBy: 'host-b', madeAt: now.madeAt + 1 });
      assert.deepEqual(await store.baseImages.put(remade, now.digest), remade);
      // a host that saw the old record lost the race: the newer one stays
      assert.deepEqual(await store.baseImages.put(record('busybox-2', { digest: HEX('e') }), now.digest), remade);
    });

    it('gives the newest record of a kind, and lists them all', async () => {
      await store.baseImages.put(record('debian-minbase-old', { kind: 'debian-minbase', madeAt: 10 }));
      await store.baseImages.put(record('debian-minbase-new', { kind: 'debian-minbase', madeAt: 20, details: { mirror: 'http://deb.debian.org/debian' } }));
      assert.equal((await store.baseImages.latest('debian-minbase'))?.key, 'debian-minbase-new');
      assert.deepEqual((await store.baseImages.latest('debian-minbase'))?.details, { mirror: 'http://deb.debian.org/debian' });
      assert.equal(await store.baseImages.latest('debian-vm'), undefined);
      assert.deepEqual((await store.baseImages.list()).map((r) => r.key), ['busybox-1', 'busybox-2', 'debian-minbase-new', 'debian-minbase-old']);
    });

    it('shares settings between stores on one database', async () => {
      assert.equal(await store.settings.get('default-account'), undefined);
      await store.settings.put('default-account', '1234');
      const other = await createStore({ databaseUrl: backend.url, dataDir: backend.dataDir });
      try {
        assert.equal(await other.settings.get('default-account'), '1234');
        await other.settings.put('default-account', '5678');
      } finally {
        await other.close();
      }
      assert.equal(await store.settings.get('default-account'), '5678');
    });
  });
}
