import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { signedGet } from '../../src/cli/signed-get.js';
import type { Execution, ExecutionStatus } from '../../src/domain/execution.js';
import { newExecutionId } from '../../src/domain/ids.js';
import type { Scope } from '../../src/domain/ports.js';
import { consoleFetch, consoleSignIn, type ConsoleSession } from '../support/console.js';
import { REGION } from '../support/kiln.js';
import { kilnFixture, newAccessKey } from '../support/kiln-fixture.js';
import { minimalPipeline } from '../store/helpers.js';

/*
 * The builds list (`GET /console/api/executions`, signed `/kiln/v1/executions`): account A's
 * builds of two templates and one build of account B, written straight to the store (no
 * worker runs: the list is the point, not the builds).
 */

interface ListBody {
  Executions: Array<{ ExecutionId: string; ImagePipelineId: string; ImagePipelineName?: string; Status: string }>;
  TotalCount: number;
  NextToken: string;
  Code?: string;
}

let a: ConsoleSession;
let b: ConsoleSession;
/** A's executions, oldest first; `[pipelineId, name]` of A's two templates. */
const made: Execution[] = [];
const templates: Array<[string, string]> = [];
let bExecution: string;
const fx = kilnFixture({}, async (kiln) => {
  a = await consoleSignIn(kiln.endpoint, kiln.credentials.accessKeyId, kiln.credentials.accessKeySecret);
  const bKey = await newAccessKey(kiln);
  b = await consoleSignIn(kiln.endpoint, bKey.accessKeyId, bKey.accessKeySecret);
  const store = kiln.app.store;
  const insert = async (scope: Scope, pipelineId: string, status: ExecutionStatus, second: number) => {
    const time = `2026-12-05T10:00:${String(second).padStart(2, '0')}Z`;
    const e: Execution = {
      id: newExecutionId(), pipelineId, accountId: scope.accountId, regionId: scope.regionId, status, message: status,
      resourceGroupId: 'rg-default', tags: [], creationTime: time, modifiedTime: time,
    };
    await store.executions.insert(e);
    return e;
  };
  const scopeA = { accountId: a.accountId, regionId: REGION };
  for (const name of ['list-web', 'list-db']) {
    const p = minimalPipeline(scopeA, { name });
    await store.pipelines.insert(p, []);
    templates.push([p.id, name]);
  }
  const statuses: ExecutionStatus[] = ['SUCCESS', 'FAILED', 'SUCCESS', 'TEST_FAILED', 'BUILDING'];
  for (const [i, status] of statuses.entries()) made.push(await insert(scopeA, templates[i % 2]![0], status, i));
  const scopeB = { accountId: b.accountId, regionId: REGION };
  const other = minimalPipeline(scopeB);
  await store.pipelines.insert(other, []);
  bExecution = (await insert(scopeB, other.id, 'FAILED', 30)).id;
});

async function list(session: ConsoleSession, query: string): Promise<{ status: number; body: ListBody }> {
  const res = await consoleFetch(fx.kiln.endpoint, session, `/console/api/executions?${query}`);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  return { status: res.status, body: await res.json() as ListBody };
}

async function jsonOf(res: IncomingMessage): Promise<ListBody> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as ListBody;
}

const ids = (body: ListBody) => body.Executions.map((e) => e.ExecutionId);

test('builds across templates, newest first, with their template names; status and template filters; pages to the end', async () => {
  const newest = made.map((e) => e.id).reverse();
  const all = await list(a, `RegionId=${REGION}`);
  assert.equal(all.status, 200, JSON.stringify(all.body));
  assert.deepEqual([ids(all.body), all.body.TotalCount, all.body.NextToken], [newest, 5, '']);
  const nameOf = new Map(templates);
  for (const e of all.body.Executions) assert.equal(e.ImagePipelineName, nameOf.get(e.ImagePipelineId));
  assert.deepEqual(new Set(all.body.Executions.map((e) => e.ImagePipelineId)), new Set(nameOf.keys()));

  // Pages of two, following NextToken: the same order, nothing repeated or skipped.
  const paged: string[] = [];
  let token = '';
  do {
    const page = await list(a, `RegionId=${REGION}&MaxResults=2${token ? `&NextToken=${token}` : ''}`);
    assert.equal(page.body.TotalCount, 5);
    paged.push(...ids(page.body));
    token = page.body.NextToken;
  } while (token);
  assert.deepEqual(paged, newest);

  const failed = await list(a, `RegionId=${REGION}&Status=FAILED,TEST_FAILED`);
  assert.deepEqual([ids(failed.body), failed.body.TotalCount], [[made[3]!.id, made[1]!.id], 2]);
  const repeated = await list(a, `RegionId=${REGION}&Status=FAILED&Status=BUILDING`);
  assert.deepEqual(ids(repeated.body), [made[4]!.id, made[1]!.id]);
  const ofWeb = await list(a, `RegionId=${REGION}&ImagePipelineId=${templates[0]![0]}&Status=SUCCESS`);
  assert.deepEqual(ids(ofWeb.body), [made[2]!.id, made[0]!.id]);

  // Another account lists only its own; the signed route answers the same list.
  assert.deepEqual(ids((await list(b, `RegionId=${REGION}`)).body), [bExecution]);
  const key = { id: fx.kiln.credentials.accessKeyId, secret: fx.kiln.credentials.accessKeySecret };
  const signed = await signedGet(fx.kiln.endpoint, '/kiln/v1/executions', { RegionId: REGION, Status: 'FAILED,TEST_FAILED' }, key);
  assert.equal(signed.statusCode, 200);
  assert.deepEqual((await jsonOf(signed)).Executions, failed.body.Executions);
});

test('builds list: bad parameters, another account\'s template, no session and no signature are refused with their codes', async () => {
  const refused: Array<[string, number, string]> = [
    ['Status=DONE', 400, 'InvalidParameter.Status'],
    ['MaxResults=101', 400, 'InvalidParameter.MaxResults'],
    ['MaxResults=0', 400, 'InvalidParameter.MaxResults'],
    ['MaxResults=ten', 400, 'InvalidParameter.MaxResults'],
    ['NextToken=not-a-kiln-token', 403, 'Invalid.NextToken'],
    ['ImagePipelineId=ip-notmine', 404, 'InvalidImagePipeline.NotFound'],
  ];
  for (const [query, status, code] of refused) {
    const r = await list(a, `RegionId=${REGION}&${query}`);
    assert.deepEqual([r.status, r.body.Code], [status, code], query);
  }
  const bTemplate = (await list(b, `RegionId=${REGION}`)).body.Executions[0]!.ImagePipelineId;
  assert.deepEqual((await list(a, `RegionId=${REGION}&ImagePipelineId=${bTemplate}`)).body.Code, 'InvalidImagePipeline.NotFound');
  assert.deepEqual((await list(a, '')).body.Code, 'MissingParameter.RegionId');
  const noSession = await list({ ...a, cookie: '' }, `RegionId=${REGION}`);
  assert.deepEqual([noSession.status, noSession.body.Code], [401, 'Console.SessionRequired']);
  const unsigned = await fetch(`${fx.kiln.endpoint}/kiln/v1/executions?RegionId=${REGION}`);
  assert.deepEqual([unsigned.status, (await unsigned.json() as { Code: string }).Code], [400, 'MissingParameter.Signature']);
});
