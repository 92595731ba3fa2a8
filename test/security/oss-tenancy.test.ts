import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createAccount } from '../../src/auth/accounts.js';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { newAccountId } from '../../src/domain/ids.js';
import { ensureBusyboxBase } from '../../src/engine/base-images/busybox.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { createComponent, importImageOptions, type PipelineFields } from '../support/ecs-requests.js';
import { assertNoLeftovers, build, logsContaining, uniqueName } from '../support/builds.js';
import type { EcsClient } from '../support/kiln.js';
import { ossKilnFixture, type RunningOss } from '../support/oss-kiln-fixture.js';
import type { S3Request } from '../support/s3.js';

/*
 * OSS per tenant (issue 8, item 10). Two accounts, two buckets on a real S3-compatible server
 * (s3rver), each account granted its own bucket through KILN_OSS_ACCOUNTS; account B signs
 * with a key of its own and has a RoleName of its own for imports. B's OSSDownload of A's
 * object, OSSUpload over it, an OSS base image from A's bucket, a `..` object name that walks
 * from B's bucket into A's, and any OSS use by an account with no grant all end FAILED with
 * InvalidImagePipeline.OSSObjectNotAuthorized, without one request reaching A's bucket, and A's
 * object is byte-identical afterwards. Each account's own bucket works, signed with its key.
 */

const run = promisify(execFile);
const NOT_AUTHORIZED = 'InvalidImagePipeline.OSSObjectNotAuthorized';
const A_BUCKET = 'tenant-a-data';
const B_BUCKET = 'tenant-b-data';
const B_IMAGES = 'tenant-b-images';
const B_KEY = { accessKeyId: 'TENANT-B-KEY', accessKeySecret: 'tenant-b-secret' };
const B_IMPORT_KEY = { accessKeyId: 'TENANT-B-IMPORTER', accessKeySecret: 'tenant-b-import-secret' };
const B_IMPORT_ROLE = 'TenantBImportRole';

interface Tenant { accountId: string; v3: EcsClient }

let work: string;
let a: Tenant;
let b: Tenant;
let stranger: Tenant;
const aSecret = randomBytes(64 * 1024);
let rootfs: Buffer;

const ids = { a: newAccountId(), b: newAccountId(), stranger: newAccountId() };

async function tenant(id: string, name: string): Promise<Tenant> {
  const made = await createAccount(oss.kiln.app.store, oss.kiln.config.regions.map((r) => r.regionId), { id, name });
  return { accountId: made.account.id, v3: oss.kiln.clientsFor(made.accessKey.id, made.accessKey.secret).v3 };
}

/** A component of `who` with one OSS task (its YAML lines under `Properties:`). */
async function ossTask(who: Tenant, action: 'OSSDownload' | 'OSSUpload', properties: string[]): Promise<string> {
  return createComponent(who.v3, {
    name: uniqueName('oss-tenancy'),
    content: ['Tasks:', '  - Name: move', `    Action: ${action}`, '    Properties:', ...properties.map((p) => `      ${p}`)].join('\n'),
  });
}

function ossBase(bucket: string, object: string, roleName?: string): PipelineFields {
  const options = importImageOptions({ mappings: [{ bucket, object }] });
  if (roleName) options.roleName = roleName;
  return { baseImageType: 'OSS', baseImage: undefined, importImageOptions: options };
}

/** The requests the server saw since `from`, that name `bucket`. */
function requestsTo(bucket: string, from: number): S3Request[] {
  return oss.s3.requests.slice(from).filter((r) => r.path === `/${bucket}` || r.path.startsWith(`/${bucket}/`) || r.path.startsWith(`/${bucket}?`));
}

async function assertASecretIntact(): Promise<void> {
  const now = await oss.s3.get(A_BUCKET, 'private/secret.bin');
  assert.ok(now?.equals(aSecret), "account A's object is byte-identical");
}

const grants = {
  [ids.a]: { buckets: ['tenant-a-*'] },
  [ids.b]: {
    buckets: [B_BUCKET], ...B_KEY,
    roles: { [B_IMPORT_ROLE]: { buckets: [B_IMAGES], ...B_IMPORT_KEY } },
  },
};
const oss = ossKilnFixture({ buckets: [A_BUCKET, B_BUCKET, B_IMAGES], env: { KILN_OSS_ACCOUNTS: JSON.stringify(grants) }, onStart: setUpTenants });

/** B's keys on the server, the three accounts, and the objects of both buckets. */
async function setUpTenants({ s3 }: RunningOss): Promise<void> {
  // s3rver checks key ids per request, so B's keys need only be known before the first build.
  s3.addKey(B_KEY.accessKeyId, B_KEY.accessKeySecret);
  s3.addKey(B_IMPORT_KEY.accessKeyId, B_IMPORT_KEY.accessKeySecret);
  a = await tenant(ids.a, 'tenant-a');
  b = await tenant(ids.b, 'tenant-b');
  stranger = await tenant(ids.stranger, 'no-grant');

  // A busybox root filesystem as a tar.gz, for the OSS base images.
  work = mkdtempSync(join(tmpdir(), 'kiln-oss-tenancy-'));
  const base = await ensureBusyboxBase(new LayerStore(join(work, 'scratch'), new LocalBlobStore(join(work, 'scratch', 'blobs'))));
  const stage = join(work, 'rootfs');
  await run('cp', ['-a', `${base.dir}/.`, stage]);
  writeFileSync(join(stage, 'etc', 'tenant'), 'rootfs\n');
  await run('tar', ['-C', stage, '-czf', join(work, 'rootfs.tar.gz'), '.']);
  rootfs = readFileSync(join(work, 'rootfs.tar.gz'));

  await s3.put(A_BUCKET, 'private/secret.bin', aSecret);
  await s3.put(A_BUCKET, 'bases/rootfs.tar.gz', rootfs);
  await s3.put(B_BUCKET, 'inputs/hello.txt', 'hello b\n');
  await s3.put(B_BUCKET, 'bases/rootfs.tar.gz', rootfs);
  await s3.put(B_IMAGES, 'bases/rootfs.tar.gz', rootfs);
}

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("another account's bucket", () => {
  test("B's OSSDownload of A's object: FAILED, not authorized, nothing sent to A's bucket", async () => {
    const from = oss.s3.requests.length;
    const componentId = await ossTask(b, 'OSSDownload', [`bucketName: ${A_BUCKET}`, 'objectName: private/secret.bin', 'destinationDir: /stolen']);
    const { executionId, item } = await build(b.v3, { buildContent: `COMPONENT ${componentId}`, testContent: 'RUN cat /stolen/secret.bin' });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, NOT_AUTHORIZED, JSON.stringify(item));
    assert.match(item.errorInfo ?? '', new RegExp(`oss://${A_BUCKET}/private/secret\\.bin`));
    assert.deepEqual(requestsTo(A_BUCKET, from), []);
    await assertASecretIntact();
    await assertNoLeftovers(oss.kiln.config.dataDir, executionId);
  });

  test("B's OSSUpload over A's object: FAILED, not authorized, A's object byte-identical", async () => {
    const from = oss.s3.requests.length;
    const componentId = await ossTask(b, 'OSSUpload', [`bucketName: ${A_BUCKET}`, 'fileToUpload: /etc/passwd', 'objectName: private/secret.bin']);
    const { executionId, item } = await build(b.v3, { buildContent: `COMPONENT ${componentId}` });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, NOT_AUTHORIZED, JSON.stringify(item));
    assert.deepEqual(requestsTo(A_BUCKET, from), []);
    await assertASecretIntact();
    await assertNoLeftovers(oss.kiln.config.dataDir, executionId);
  });

  test("B's OSS base image from A's bucket: FAILED at PREPARING, not authorized", async () => {
    const from = oss.s3.requests.length;
    const { executionId, item } = await build(b.v3, { ...ossBase(A_BUCKET, 'bases/rootfs.tar.gz'), buildContent: 'RUN true' });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, NOT_AUTHORIZED, JSON.stringify(item));
    assert.match(item.message ?? '', /^Failed during PREPARING/);
    assert.deepEqual(requestsTo(A_BUCKET, from), []);
    await assertASecretIntact();
    await assertNoLeftovers(oss.kiln.config.dataDir, executionId);
  });

  test("B's RoleName does not widen its grant: the import role's buckets only, not A's", async () => {
    const from = oss.s3.requests.length;
    const { item } = await build(b.v3, { ...ossBase(A_BUCKET, 'bases/rootfs.tar.gz', B_IMPORT_ROLE), buildContent: 'RUN true' });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, NOT_AUTHORIZED, JSON.stringify(item));
    assert.deepEqual(requestsTo(A_BUCKET, from), []);
  });

  test("an object name with '..' does not walk from B's bucket into A's (read or write)", async () => {
    const from = oss.s3.requests.length;
    const read = await ossTask(b, 'OSSDownload', [`bucketName: ${B_BUCKET}`, `objectName: ../${A_BUCKET}/private/secret.bin`, 'destinationDir: /stolen']);
    const down = await build(b.v3, { buildContent: `COMPONENT ${read}` });
    assert.equal(down.item.status, 'FAILED', JSON.stringify(down.item));
    assert.equal(down.item.errorCode, NOT_AUTHORIZED, JSON.stringify(down.item));
    const write = await ossTask(b, 'OSSUpload', [`bucketName: ${B_BUCKET}`, 'fileToUpload: /etc/passwd', `objectName: x/../../${A_BUCKET}/private/secret.bin`]);
    const up = await build(b.v3, { buildContent: `COMPONENT ${write}` });
    assert.equal(up.item.status, 'FAILED', JSON.stringify(up.item));
    assert.equal(up.item.errorCode, NOT_AUTHORIZED, JSON.stringify(up.item));
    assert.deepEqual(requestsTo(A_BUCKET, from), []);
    await assertASecretIntact();
  });

  test('an account with no grant reaches no bucket: FAILED, not authorized, saying so', async () => {
    const from = oss.s3.requests.length;
    const componentId = await ossTask(stranger, 'OSSDownload', [`bucketName: ${B_BUCKET}`, 'objectName: inputs/hello.txt', 'destinationDir: /in']);
    const { item } = await build(stranger.v3, { buildContent: `COMPONENT ${componentId}` });
    assert.equal(item.status, 'FAILED', JSON.stringify(item));
    assert.equal(item.errorCode, NOT_AUTHORIZED, JSON.stringify(item));
    assert.match(item.errorInfo ?? '', /no OSS grant/);
    assert.deepEqual(oss.s3.requests.slice(from), []);
  });
});

describe("each account's own bucket", () => {
  test('A downloads its object and uploads into its bucket, with Kiln\'s key', async () => {
    const from = oss.s3.requests.length;
    const componentId = await createComponent(a.v3, {
      name: uniqueName('oss-tenancy-a'),
      content: [
        'Tasks:',
        '  - Name: fetch', '    Action: OSSDownload', '    Properties:',
        `      bucketName: ${A_BUCKET}`, '      objectName: private/secret.bin', '      destinationDir: /opt/a',
        '  - Name: send', '    Action: OSSUpload', '    Properties:',
        `      bucketName: ${A_BUCKET}`, '      fileToUpload: /opt/a/secret.bin', '      objectName: copies/secret.bin',
      ].join('\n'),
    });
    const { executionId, item } = await build(a.v3, { buildContent: `COMPONENT ${componentId}` });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    assert.ok((await oss.s3.get(A_BUCKET, 'copies/secret.bin'))?.equals(aSecret));
    const sent = requestsTo(A_BUCKET, from).filter((r) => r.method === 'GET' || r.method === 'PUT');
    assert.ok(sent.some((r) => r.method === 'GET' && r.path.startsWith(`/${A_BUCKET}/private/secret.bin`)), JSON.stringify(sent));
    await assertNoLeftovers(oss.kiln.config.dataDir, executionId);
  });

  test("B downloads and uploads in its bucket, every request signed with B's own key", async () => {
    const from = oss.s3.requests.length;
    const componentId = await createComponent(b.v3, {
      name: uniqueName('oss-tenancy-b'),
      content: [
        'Tasks:',
        '  - Name: fetch', '    Action: OSSDownload', '    Properties:',
        `      bucketName: ${B_BUCKET}`, '      objectName: inputs/hello.txt', '      destinationDir: /opt/b',
        '  - Name: send', '    Action: OSSUpload', '    Properties:',
        `      bucketName: ${B_BUCKET}`, '      fileToUpload: /opt/b/hello.txt', '      objectName: outputs/hello.txt',
      ].join('\n'),
    });
    const { executionId, item } = await build(b.v3, { buildContent: `COMPONENT ${componentId}` });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    assert.equal((await oss.s3.get(B_BUCKET, 'outputs/hello.txt'))?.toString(), 'hello b\n');
    // The test's own client reads with S3RVER's key: only Kiln's requests are looked at.
    const kilns = requestsTo(B_BUCKET, from).filter((r) => r.accessKeyId !== 'S3RVER');
    assert.deepEqual(new Set(kilns.map((r) => `${r.method} ${r.path.split('?')[0]}`)), new Set([`GET /${B_BUCKET}/inputs/hello.txt`, `PUT /${B_BUCKET}/outputs/hello.txt`]));
    assert.ok(kilns.every((r) => r.accessKeyId === B_KEY.accessKeyId), JSON.stringify(kilns));
    await assertNoLeftovers(oss.kiln.config.dataDir, executionId);
  });

  test("B's OSS base image from its bucket reaches SUCCESS, signed with B's key", async () => {
    const from = oss.s3.requests.length;
    const { executionId, item } = await build(b.v3, { ...ossBase(B_BUCKET, 'bases/rootfs.tar.gz'), buildContent: 'RUN test "$(cat /etc/tenant)" = rootfs' });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    const sent = requestsTo(B_BUCKET, from);
    assert.ok(sent.length > 0 && sent.every((r) => r.accessKeyId === B_KEY.accessKeyId), JSON.stringify(sent));
    await logsContaining(oss.kiln.app.store, executionId, /Importing the base image from oss:\/\/tenant-b-data/);
  });

  test("B's import with its RoleName uses that role's bucket and key", async () => {
    const from = oss.s3.requests.length;
    const { item } = await build(b.v3, { ...ossBase(B_IMAGES, 'bases/rootfs.tar.gz', B_IMPORT_ROLE), buildContent: 'RUN test "$(cat /etc/tenant)" = rootfs' });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    const sent = requestsTo(B_IMAGES, from);
    assert.ok(sent.length > 0 && sent.every((r) => r.accessKeyId === B_IMPORT_KEY.accessKeyId), JSON.stringify(sent));
    // Without the role, B's own grant applies: the import role's bucket is not B's.
    const without = await build(b.v3, { ...ossBase(B_IMAGES, 'bases/rootfs.tar.gz'), buildContent: 'RUN true' });
    assert.equal(without.item.status, 'FAILED', JSON.stringify(without.item));
    assert.equal(without.item.errorCode, NOT_AUTHORIZED);
  });
});
