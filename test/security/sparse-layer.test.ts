import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createAccount } from '../../src/auth/accounts.js';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { newAccountId } from '../../src/domain/ids.js';
import { assertNoLeftovers, build, clientAt } from '../support/builds.js';
import { startKiln, type EcsClient, type TestKiln } from '../support/kiln.js';

/*
 * Issue 8, item 5: a step's layer is bounded by the account's image quota and by the instance's
 * system disk, and a sparse file (1 TiB by `truncate`, free on the instance) is measured at the
 * size a tar stores it before a byte of it is archived: the build fails at once with the
 * documented code, and nothing near that size reaches the host. (On 1105ac4 this archives
 * 1 TiB into the blob store: not run there; test/security/sparse-files.test.ts shows the old
 * archiver writing a sparse file whole.)
 */

const GiB = 1024 ** 3;
const UNLIMITED = newAccountId();
let kiln: TestKiln;

before(async () => {
  kiln = await startKiln({ KILN_WORKERS: '1', KILN_ACCOUNT_STORAGE_QUOTAS: JSON.stringify({ [UNLIMITED]: { imageBytes: 0 } }) });
});
after(async () => {
  await kiln?.stop();
});

async function tenant(id?: string): Promise<EcsClient> {
  const made = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId), { name: 'sparse-tenant', ...(id ? { id } : {}) });
  return clientAt(kiln.endpoint, { accessKeyId: made.accessKey.id, accessKeySecret: made.accessKey.secret });
}

async function assertNothingLarge(): Promise<void> {
  const blobs = new LocalBlobStore(join(kiln.config.dataDir, 'blobs'));
  for await (const blob of blobs.list()) assert.ok(blob.size < GiB, `a ${blob.size}-byte blob was stored`);
}

describe('security: sparse files in a layer', () => {
  test('without an image quota, a layer larger than the system disk fails with InstanceDiskFull before it is archived', async () => {
    const b = await build(await tenant(UNLIMITED), { buildContent: 'RUN truncate -s 1099511627776 /sparse', systemDiskSize: 20 });
    assert.equal(b.item.status, 'FAILED', JSON.stringify(b.item));
    assert.equal(b.item.errorCode, 'InstanceDiskFull', JSON.stringify(b.item));
    assert.match(b.item.errorInfo ?? '', /line 1: the step's files hold more than the system disk \(SystemDiskSize 20 GiB\) as a layer stores them \(sparse files count at their full size\)/);
    await assertNothingLarge();
    await assertNoLeftovers(kiln.config.dataDir, b.executionId);
  });

  test('with the default image quota, the same step fails with QuotaExceed.ImageStorage, also before it is archived', async () => {
    const b = await build(await tenant(), { buildContent: 'RUN truncate -s 1099511627776 /sparse' });
    assert.equal(b.item.status, 'FAILED', JSON.stringify(b.item));
    assert.equal(b.item.errorCode, 'QuotaExceed.ImageStorage', JSON.stringify(b.item));
    assert.match(b.item.errorInfo ?? '', /line 1: the step's changes are larger than the image storage quota/);
    await assertNothingLarge();
  });
});
