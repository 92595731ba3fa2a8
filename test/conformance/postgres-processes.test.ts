import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { createAccessKey, createAccount } from '../../src/auth/accounts.js';
import type { Store } from '../../src/domain/ports.js';
import { createStore } from '../../src/store/create-store.js';
import { freePort, runCli, spawnKiln, type KilnProcess } from '../support/child.js';
import { componentRequest, pipelineRequest } from '../support/ecs-requests.js';
import { freshDatabase, type FreshDatabase } from '../support/pg.js';
import { captureSdkRequest, ecsClient, sendCaptured, type EcsClient } from '../security/support/sdk-capture.js';

/*
 * Issue 11, item 1: four Kiln processes (`kiln serve`, each its own pool) on one PostgreSQL
 * database, 32 clients of the official SDK spread over them and over two accounts. Quotas and
 * ClientTokens stay exact, nothing answers 5xx, a nonce used on one process is refused by the
 * others, and an AccessKey disabled on the shared database is refused by every process within 1 s.
 */

const REGION = 'cn-hangzhou';
const PROCESSES = 4;
const CLIENTS = 32;
const QUOTA = 24;
const key = (tag: string) => ({ accessKeyId: `LTAIproc${tag}${randomBytes(5).toString('hex')}`, accessKeySecret: randomBytes(15).toString('hex') });
const KEY_A = key('a');
const KEY_B = key('b');

let db: FreshDatabase;
let store: Store;
const procs: KilnProcess[] = [];
const dirs: string[] = [];

before(async () => {
  db = await freshDatabase('kiln_procs');
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-procs-'));
  dirs.push(dataDir);
  store = await createStore({ databaseUrl: db.url, dataDir });
  await createAccount(store, [REGION], { name: 'a', key: { id: KEY_A.accessKeyId, secret: KEY_A.accessKeySecret } });
  await createAccount(store, [REGION], { name: 'b', key: { id: KEY_B.accessKeyId, secret: KEY_B.accessKeySecret } });
  procs.push(...await Promise.all(Array.from({ length: PROCESSES }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-procs-'));
    dirs.push(dir);
    return spawnKiln({
      KILN_PORT: String(await freePort()), KILN_HOST: '127.0.0.1', KILN_WORKERS: '0', KILN_DATA_DIR: dir, KILN_DATABASE_URL: db.url,
      KILN_ACCESS_KEY_ID: KEY_A.accessKeyId, KILN_ACCESS_KEY_SECRET: KEY_A.accessKeySecret, KILN_PIPELINE_QUOTA: String(QUOTA),
    });
  })));
  // Each process answers once before the clients start (its first request loads the handlers).
  await Promise.all(procs.map((_, i) => clientOn(i, KEY_A).describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION }))));
});

after(async () => {
  for (const p of procs) await p.kill();
  await store?.close();
  await db?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const hostOf = (p: KilnProcess) => new URL(p.endpoint).host;
const clientOn = (i: number, creds: { accessKeyId: string; accessKeySecret: string }): EcsClient => ecsClient(hostOf(procs[i % PROCESSES]!), creds, 'v3');

/** What an SDK call threw: its code and HTTP status. */
function failure(err: unknown): { code: string; status: number } {
  const e = err as { code?: string; statusCode?: number; data?: { statusCode?: number } };
  return { code: e.code ?? String(err), status: e.statusCode ?? e.data?.statusCode ?? 0 };
}

async function allPipelineIds(client: EcsClient): Promise<{ ids: string[]; totalCount: number }> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  let totalCount = -1;
  do {
    const res = await client.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION, maxResults: 100, ...(nextToken ? { nextToken } : {}) }));
    ids.push(...(res.body?.imagePipeline?.imagePipelineSet ?? []).map((p) => p.imagePipelineId!));
    totalCount = res.body?.totalCount ?? -1;
    nextToken = res.body?.nextToken || undefined;
  } while (nextToken);
  return { ids, totalCount };
}

test(`${PROCESSES} processes × ${CLIENTS} clients: each account gets exactly its quota of templates, the rest QuotaExceed.ImagePipeline, no 5xx`, async () => {
  const ROUNDS = 2; // 16 clients per account × 2 = 32 creates for a quota of 24
  const created = new Map<string, string[]>([['a', []], ['b', []]]);
  const refused: Array<{ code: string; status: number }> = [];
  await Promise.all(Array.from({ length: CLIENTS }, async (_, i) => {
    const account = i % 2 === 0 ? 'a' : 'b';
    const client = clientOn(i >> 1, account === 'a' ? KEY_A : KEY_B);
    for (let r = 0; r < ROUNDS; r++) {
      try {
        const res = await client.createImagePipeline(pipelineRequest({ name: `p-${i}-${r}`, buildContent: 'RUN echo hi' }));
        created.get(account)!.push(res.body!.imagePipelineId!);
      } catch (err) {
        refused.push(failure(err));
      }
    }
  }));
  assert.deepEqual(refused, Array.from({ length: 2 * (CLIENTS / 2 * ROUNDS - QUOTA) }, () => ({ code: 'QuotaExceed.ImagePipeline', status: 400 })));
  for (const [account, creds] of [['a', KEY_A], ['b', KEY_B]] as const) {
    const mine = created.get(account)!;
    assert.equal(mine.length, QUOTA, `account ${account}`);
    const seen = await allPipelineIds(clientOn(3, creds));
    assert.equal(seen.totalCount, QUOTA);
    assert.deepEqual([...seen.ids].sort(), [...mine].sort());
  }
});

test(`one ClientToken from ${CLIENTS} clients on ${PROCESSES} processes makes one component, and every client gets its id`, async () => {
  const clientToken = `token-${randomBytes(6).toString('hex')}`;
  const ids = await Promise.all(Array.from({ length: CLIENTS }, async (_, i) => {
    const res = await clientOn(i, KEY_A).createImageComponent(componentRequest({ name: 'once', clientToken }));
    return res.body!.imageComponentId!;
  }));
  assert.equal(new Set(ids).size, 1, `one id for all: ${[...new Set(ids)].join(', ')}`);
  const res = await clientOn(1, KEY_A).describeImageComponents(new $Ecs.DescribeImageComponentsRequest({ regionId: REGION, name: 'once', maxResults: 100 }));
  assert.deepEqual(res.body?.imageComponent?.imageComponentSet?.map((c) => c.imageComponentId), [ids[0]]);
});

test('a nonce used on one process is refused by every other', async () => {
  const signed = await captureSdkRequest(KEY_B, 'v3', (c) => c.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION })));
  const statuses = [];
  for (const p of procs) {
    const res = await sendCaptured(p.endpoint, signed);
    statuses.push({ status: res.status, code: res.json().Code });
  }
  assert.deepEqual(statuses, [
    { status: 200, code: undefined },
    ...Array.from({ length: PROCESSES - 1 }, () => ({ status: 400, code: 'SignatureNonceUsed' })),
  ]);
});

test('an AccessKey disabled by `kiln keys disable` is refused by every process within 1 s', async () => {
  const accountB = (await store.accessKeys.get(KEY_B.accessKeyId))!.accountId;
  const added = await createAccessKey(store, accountB);
  const creds = { accessKeyId: added.id, accessKeySecret: added.secret };
  const describe = (i: number) => clientOn(i, creds).describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION }));
  // Every process has the key cached as Active.
  for (let i = 0; i < PROCESSES; i++) assert.equal((await describe(i)).statusCode, 200);

  // `kiln keys disable` is one more process on the database.
  const disabled = await runCli(['keys', 'disable', added.id], { KILN_DATA_DIR: dirs[0]!, KILN_DATABASE_URL: db.url });
  assert.equal(disabled.code, 0, disabled.stderr);
  assert.equal((await store.accessKeys.get(added.id))?.status, 'Inactive');
  const disabledAt = Date.now();
  await Promise.all(procs.map(async (_, i) => {
    for (;;) {
      const sentAt = Date.now();
      const outcome = await describe(i).then(() => 'accepted', (err: unknown) => failure(err));
      if (outcome !== 'accepted') {
        assert.deepEqual(outcome, { code: 'InvalidAccessKeyId.Inactive', status: 400 });
        return;
      }
      assert.ok(sentAt - disabledAt < 1_000, `process ${i} accepted a request sent ${sentAt - disabledAt} ms after the key was disabled`);
      await delay(20);
    }
  }));
});
