import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startKiln, type TestKiln } from '../support/kiln.js';
import { freshDatabase, type FreshDatabase } from '../support/pg.js';
import { createPipeline, describePipelines, pipelineTags } from '../support/ecs-requests.js';

/*
 * Concurrent creates on PostgreSQL through the official SDK. Every create in one account and
 * region updates the same per-scope counter row, so under SERIALIZABLE they used to conflict,
 * run out of retries and answer 500 InternalError. Each test uses a fresh database and Kiln.
 * Without KILN_TEST_DATABASE_URL these tests fail; they never skip.
 */

const CONCURRENT = 32;
const ENV = { KILN_ACCESS_KEY_ID: 'LTAIkilnPgConcurrency', KILN_ACCESS_KEY_SECRET: 'pg-concurrency-secret-0123456789', KILN_PIPELINE_QUOTA: '1000' };

let db: FreshDatabase | undefined;
const servers: TestKiln[] = [];
before(async () => {
  db = await freshDatabase('kiln_conc');
});
after(async () => {
  for (const s of servers) await s.stop();
  await db?.drop();
});

async function kilnOnDb(): Promise<TestKiln> {
  const k = await startKiln({ KILN_DATABASE_URL: db!.url, ...ENV });
  servers.push(k);
  return k;
}

/** Every template id in the region, through NextToken paging. */
async function allIds(k: TestKiln): Promise<{ ids: string[]; totalCount: number }> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  let totalCount = -1;
  do {
    const page = await describePipelines(k.clients.v3, { maxResults: 100, ...(nextToken ? { nextToken } : {}) });
    ids.push(...(page.imagePipeline?.imagePipelineSet ?? []).map((p) => p.imagePipelineId!));
    totalCount = page.totalCount ?? -1;
    nextToken = page.nextToken || undefined;
  } while (nextToken);
  return { ids, totalCount };
}

test(`${CONCURRENT} concurrent CreateImagePipeline calls in one scope all succeed on PostgreSQL`, async () => {
  const k = await kilnOnDb();
  const created = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) =>
    createPipeline(k.clients.v3, { name: `concurrent-${i}`, tag: pipelineTags([['n', String(i)]]) })));
  assert.equal(new Set(created).size, CONCURRENT, 'distinct ids');
  const { ids, totalCount } = await allIds(k);
  assert.equal(totalCount, CONCURRENT);
  assert.deepEqual([...ids].sort(), [...created].sort());
});

test(`${CONCURRENT} clients creating back to back, through two Kiln servers on one PostgreSQL database, all succeed`, async () => {
  // Two servers (two stores, two pools) are what two Kiln processes are to the database.
  const a = servers[0] ?? await kilnOnDb();
  const b = await kilnOnDb();
  const existing = (await allIds(a)).ids;
  const ROUNDS = 4;
  const created = (await Promise.all(Array.from({ length: CONCURRENT }, async (_, w) => {
    const ids: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      ids.push(await createPipeline((w % 2 === 0 ? a : b).clients.v3, { name: `two-servers-${w}-${i}`, tag: pipelineTags([['n', `${w}-${i}`]]) }));
    }
    return ids;
  }))).flat();
  assert.equal(new Set(created).size, CONCURRENT * ROUNDS, 'distinct ids');
  const { ids, totalCount } = await allIds(b);
  assert.equal(totalCount, existing.length + CONCURRENT * ROUNDS);
  assert.deepEqual([...ids].sort(), [...existing, ...created].sort());
});
