import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import type { Store } from '../../src/domain/ports.js';
import { ensureBusyboxBase } from '../../src/engine/base-images/busybox.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { createStore } from '../../src/store/create-store.js';

/*
 * Base images shared by worker hosts: two layer stores on data dirs of their own (two hosts),
 * one database and one blob store. The first host makes the busybox base and records it; the
 * second fetches its layer from the blob store, even without a busybox binary of its own.
 */

describe('system base images shared through the store', () => {
  let dir: string;
  let store: Store;
  let blobs: LocalBlobStore;
  const hostAt = (name: string) => new LayerStore(join(dir, name), blobs, {}, store.baseImages);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-shared-base-'));
    store = await createStore({ databaseUrl: ':memory:', dataDir: dir });
    blobs = new LocalBlobStore(join(dir, 'blobs'));
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the host that needs it first makes it; another host without busybox fetches that layer', async () => {
    const a = hostAt('host-a');
    const made = await ensureBusyboxBase(a);
    const [record, ...more] = await store.baseImages.list();
    assert.equal(more.length, 0);
    assert.deepEqual([record?.key, record?.kind, record?.digest, record?.diffId], [made.key, 'busybox', made.digest, made.diffId]);
    assert.equal(await a.has(made.diffId), true);

    // Host B: an empty data dir, and a "busybox" that is not one (it could not make the base).
    const b = hostAt('host-b');
    const fake = join(dir, 'not-busybox');
    await writeFile(fake, '#!/bin/sh\n');
    const fetched = await ensureBusyboxBase(b, { busyboxPath: fake });
    assert.deepEqual([fetched.key, fetched.digest, fetched.diffId], [made.key, made.digest, made.diffId]);
    assert.equal(fetched.dir, b.dirOf(made.diffId), 'extracted into its own layer store');
    assert.deepEqual((await readdir(join(fetched.dir, 'bin'))).includes('busybox'), true);
    assert.equal((await store.baseImages.list()).length, 1, 'nothing recorded by host B');
    assert.deepEqual(await readdir(join(dir, 'host-b')), ['layers'], 'no base-images folder on host B');
  });

  test('a host that can make no base and finds none fails with its own reason', async () => {
    const other = await createStore({ databaseUrl: ':memory:', dataDir: dir });
    try {
      const d = new LayerStore(join(dir, 'host-d'), blobs, {}, other.baseImages);
      await assert.rejects(ensureBusyboxBase(d, { busyboxPath: join(dir, 'no-such-busybox') }), /ENOENT/);
    } finally {
      await other.close();
    }
  });
});
