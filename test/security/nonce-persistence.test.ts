import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { freePort, spawnKiln, type KilnProcess } from '../support/child.js';
import { freshDatabase } from '../support/pg.js';
import { captureSdkRequest, ecsClient, sendCaptured, type CapturedRequest } from './support/sdk-capture.js';

/*
 * Issue 8, item 9: nonces survive restarts and span processes. Requests signed by the official
 * ECS SDK (V3 `x-acs-signature-nonce` and V1 `SignatureNonce`) are captured off the wire and
 * sent to a Kiln child process; replaying the exact bytes must be refused with
 * SignatureNonceUsed after a `kill -9` and restart on the same data, and by a second Kiln
 * process sharing the PostgreSQL database — and no second template may appear.
 */

const REGION = 'cn-hangzhou';
const CREDS = { accessKeyId: `LTAInonce${randomBytes(6).toString('hex')}`, accessKeySecret: randomBytes(15).toString('hex') };
const cleanups: Array<() => Promise<void>> = [];

after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function start(env: Record<string, string>): Promise<KilnProcess> {
  const proc = await spawnKiln({
    KILN_PORT: String(await freePort()),
    KILN_HOST: '127.0.0.1',
    KILN_WORKERS: '0',
    KILN_ACCESS_KEY_ID: CREDS.accessKeyId,
    KILN_ACCESS_KEY_SECRET: CREDS.accessKeySecret,
    ...env,
  });
  cleanups.push(() => proc.kill());
  return proc;
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A CreateImagePipeline named `name`, signed by the ECS SDK in `dialect`, not sent yet. */
function signedCreate(name: string, dialect: 'v3' | 'v1'): Promise<CapturedRequest> {
  return captureSdkRequest(CREDS, dialect, (c) => c.createImagePipeline(new $Ecs.CreateImagePipelineRequest({
    regionId: REGION, baseImageType: 'IMAGE', baseImage: 'busybox_x64_20G_kiln_base.vhd', name, buildContent: 'RUN echo hello',
  })));
}

async function send(proc: KilnProcess, r: CapturedRequest): Promise<{ status: number; code: string | undefined }> {
  const res = await sendCaptured(proc.endpoint, r);
  const body = res.json();
  return { status: res.status, code: typeof body.Code === 'string' ? body.Code : undefined };
}

async function templatesNamed(proc: KilnProcess, name: string): Promise<number> {
  const client = ecsClient(new URL(proc.endpoint).host, CREDS, 'v3');
  const res = await client.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION, name, maxResults: 100 }));
  return res.body?.imagePipeline?.imagePipelineSet?.length ?? 0;
}

const ACCEPTED = { status: 200, code: undefined };
const NONCE_USED = { status: 400, code: 'SignatureNonceUsed' };

test('SQLite: a replay after kill -9 and a restart on the same data dir is refused (V3 and V1)', async () => {
  const dataDir = tempDir('kiln-nonce-');
  const v3 = await signedCreate('nonce-v3', 'v3');
  const v1 = await signedCreate('nonce-v1', 'v1');
  assert.match(v3.headers['x-acs-signature-nonce'] ?? '', /\S/);
  assert.match(v1.path, /[?&]SignatureNonce=/);

  const first = await start({ KILN_DATA_DIR: dataDir });
  assert.deepEqual(await send(first, v3), ACCEPTED);
  assert.deepEqual(await send(first, v1), ACCEPTED);
  assert.deepEqual(await send(first, v3), NONCE_USED);
  await first.kill('SIGKILL');

  const second = await start({ KILN_DATA_DIR: dataDir });
  assert.deepEqual(await send(second, v3), NONCE_USED, 'V3 replay after the restart');
  assert.deepEqual(await send(second, v1), NONCE_USED, 'V1 replay after the restart');
  assert.equal(await templatesNamed(second, 'nonce-v3'), 1);
  assert.equal(await templatesNamed(second, 'nonce-v1'), 1);
});

test('PostgreSQL: two Kiln processes on one database refuse each other\'s nonces; of a concurrent pair exactly one is served', async () => {
  const db = await freshDatabase('kiln_nonce');
  cleanups.push(() => db.drop());
  const a = await start({ KILN_DATA_DIR: tempDir('kiln-nonce-pg-a-'), KILN_DATABASE_URL: db.url });
  const b = await start({ KILN_DATA_DIR: tempDir('kiln-nonce-pg-b-'), KILN_DATABASE_URL: db.url });

  const v3 = await signedCreate('nonce-pg-v3', 'v3');
  assert.deepEqual(await send(a, v3), ACCEPTED);
  assert.deepEqual(await send(b, v3), NONCE_USED, 'V3 replay to the other process');
  const v1 = await signedCreate('nonce-pg-v1', 'v1');
  assert.deepEqual(await send(b, v1), ACCEPTED);
  assert.deepEqual(await send(a, v1), NONCE_USED, 'V1 replay to the other process');

  // The same request to both processes at once, several times: one of each pair is served.
  for (let i = 0; i < 6; i++) {
    const r = await signedCreate(`nonce-pg-race-${i}`, i % 2 === 0 ? 'v3' : 'v1');
    const results = await Promise.all([send(a, r), send(b, r)]);
    const served = results.filter((x) => x.status === 200).length;
    assert.equal(served, 1, `pair ${i}: ${JSON.stringify(results)}`);
    assert.ok(results.some((x) => x.code === 'SignatureNonceUsed'), JSON.stringify(results));
    assert.equal(await templatesNamed(a, `nonce-pg-race-${i}`), 1);
  }
  assert.equal(await templatesNamed(b, 'nonce-pg-v3'), 1);
  assert.equal(await templatesNamed(a, 'nonce-pg-v1'), 1);

  // And a kill -9 of the process that served a request does not free its nonce.
  const v3b = await signedCreate('nonce-pg-killed', 'v3');
  assert.deepEqual(await send(a, v3b), ACCEPTED);
  await a.kill('SIGKILL');
  assert.deepEqual(await send(b, v3b), NONCE_USED);
  assert.equal(await templatesNamed(b, 'nonce-pg-killed'), 1);
});
