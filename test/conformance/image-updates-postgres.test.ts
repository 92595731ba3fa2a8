import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAccount } from '../../src/auth/accounts.js';
import { newAccountImage, type Image } from '../../src/domain/image.js';
import { REGION, startKiln, type Clients, type TestKiln } from '../support/kiln.js';
import { freshDatabase, type FreshDatabase } from '../support/pg.js';
import { $Ecs } from '../support/ecs-requests.js';
import { ids } from './support/image-requests.js';

/*
 * Concurrent image updates on PostgreSQL through the official SDK, two Kiln servers on one
 * database: ModifyImageAttribute and TagResources read an image and rewrite its record, so
 * under SERIALIZABLE concurrent calls must neither lose each other's changes nor answer 500.
 * Without KILN_TEST_DATABASE_URL these tests fail; they never skip.
 */

let db: FreshDatabase | undefined;
const servers: TestKiln[] = [];
before(async () => {
  db = await freshDatabase('kiln_imgupd');
  for (let i = 0; i < 2; i++) servers.push(await startKiln({ KILN_DATABASE_URL: db.url }));
});
after(async () => {
  for (const s of servers) await s.stop();
  await db?.drop();
});

let counter = 0;

/** A fresh account with clients on each server. */
async function tenant(): Promise<{ accountId: string; on: Clients[] }> {
  const { account, accessKey } = await createAccount(servers[0]!.app.store, [REGION]);
  return { accountId: account.id, on: servers.map((s) => s.clientsFor(accessKey.id, accessKey.secret)) };
}

async function seed(accountId: string): Promise<Image> {
  const n = ++counter;
  const image = newAccountImage({
    imageId: `m-pgupdate${String(n).padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`, regionId: REGION, accountId,
    imageName: `pg-img-${n}`, description: `image ${n}`, size: 20, creationTime: '2025-01-01T00:00:00Z', tags: [], manifestDigest: `sha256:${String(n).padStart(64, 'b')}`,
  });
  await servers[0]!.app.store.images.insert(image);
  return image;
}

const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? 'no code');

test('concurrent ModifyImageAttribute calls on one image each change their attribute: no change is lost', async () => {
  const t = await tenant();
  const img = await seed(t.accountId);
  const features = new $Ecs.ModifyImageAttributeRequestFeatures({ nvmeSupport: 'supported' });
  const changes: Array<ConstructorParameters<typeof $Ecs.ModifyImageAttributeRequest>[0]> = [
    { imageName: 'pg-renamed' }, { description: 'pg description' }, { imageFamily: 'pg-family' }, { bootMode: 'UEFI' }, { features }, { licenseType: 'BYOL' },
  ];
  const results = await Promise.all(changes.map((c, i) =>
    outcome(t.on[i % 2]!.v3.modifyImageAttribute(new $Ecs.ModifyImageAttributeRequest({ regionId: REGION, imageId: img.imageId, ...c })))));
  assert.deepEqual(results, changes.map(() => 'ok'));
  const now = await servers[1]!.app.store.images.getOwned({ accountId: t.accountId, regionId: REGION }, img.imageId);
  assert.equal(now?.imageName, 'pg-renamed');
  assert.equal(now?.description, 'pg description');
  assert.equal(now?.imageFamily, 'pg-family');
  assert.equal(now?.bootMode, 'UEFI');
  assert.deepEqual(now?.features, { nvmeSupport: 'supported' });
  assert.equal(now?.licenseType, 'BYOL');
});

test('concurrent renames of several images to one name: exactly one wins, the others are InvalidImageName.Duplicated', async () => {
  const t = await tenant();
  const many = await Promise.all(Array.from({ length: 8 }, () => seed(t.accountId)));
  const results = await Promise.all(many.map((img, i) =>
    outcome(t.on[i % 2]!.v3.modifyImageAttribute(new $Ecs.ModifyImageAttributeRequest({ regionId: REGION, imageId: img.imageId, imageName: 'the-one-name' })))));
  assert.equal(results.filter((r) => r === 'ok').length, 1, results.join(', '));
  assert.equal(results.filter((r) => r === 'InvalidImageName.Duplicated').length, 7, results.join(', '));
  assert.equal((await ids(t.on[0]!.v3, { imageName: 'the-one-name' })).length, 1);
});

test('concurrent TagResources on one image at 19 tags: one succeeds, the rest QuotaExceed.TagNum, 20 tags in the end', async () => {
  const t = await tenant();
  const img = await seed(t.accountId);
  const tag = (c: Clients, pairs: Array<[string, string]>) => c.v3.tagResources(new $Ecs.TagResourcesRequest({
    regionId: REGION, resourceType: 'image', resourceId: [img.imageId], tag: pairs.map(([key, value]) => new $Ecs.TagResourcesRequestTag({ key, value })),
  }));
  await tag(t.on[0]!, Array.from({ length: 19 }, (_, i): [string, string] => [`base${i}`, '']));
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => outcome(tag(t.on[i % 2]!, [[`racer${i}`, 'x']]))));
  assert.equal(results.filter((r) => r === 'ok').length, 1, results.join(', '));
  assert.equal(results.filter((r) => r === 'QuotaExceed.TagNum').length, 7, results.join(', '));
  const now = await servers[0]!.app.store.images.getOwned({ accountId: t.accountId, regionId: REGION }, img.imageId);
  assert.equal(now?.tags.length, 20);
});
