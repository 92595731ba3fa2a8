import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blobStoreLocation } from '../../src/config/blob-store-location.js';

// KILN_BLOB_STORE read: the local folder by default, a file:// folder, or a bucket and prefix, each checked before use.
test('KILN_BLOB_STORE: absent, file:// and s3:// locations; malformed ones refused with the setting named', () => {
  const at = (blobStore?: string) => blobStoreLocation({ dataDir: '/var/lib/kiln', ...(blobStore === undefined ? {} : { blobStore }) });
  assert.deepEqual(at(), { kind: 'local', dir: '/var/lib/kiln/blobs' });
  assert.deepEqual(at('file:///srv/kiln%20blobs'), { kind: 'local', dir: '/srv/kiln blobs' });
  assert.deepEqual(at('s3://kiln-blobs'), { kind: 's3', bucket: 'kiln-blobs', prefix: '' });
  assert.deepEqual(at('s3://kiln-blobs/team/prod//'), { kind: 's3', bucket: 'kiln-blobs', prefix: 'team/prod' });
  for (const bad of ['s3://Kiln_Blobs/x', 's3://ab', 's3://kiln..blobs', 's3://kiln-blobs/team/../other', 's3://kiln-blobs/a//b', 's3://kiln-blobs/./x', 'file://host/srv', 'gs://kiln-blobs']) {
    assert.throws(() => at(bad), /KILN_BLOB_STORE \(blobStore\)/, bad);
  }
});
