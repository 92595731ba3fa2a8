import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { signedGet } from '../../src/cli/signed-get.js';
import { $Ecs, assertNoLeftovers, build, uniqueName } from '../support/builds.js';
import { consoleFetch, consoleSignIn, type ConsoleSession } from '../support/console.js';
import { BUSYBOX } from '../support/ecs-requests.js';
import { expectError, REGION } from '../support/kiln.js';
import { kilnFixture, newAccessKey } from '../support/kiln-fixture.js';

/*
 * Kiln's own reads through the console's session, against a real busybox build: the log
 * stream (the signed stream's implementation and output) and an image's layers with the step
 * that made each (the signed route's answer too). Account A builds; account B's session reaches
 * A's image only once it is shared.
 */

let a: ConsoleSession;
let b: ConsoleSession;
let bKey: { accessKeyId: string; accessKeySecret: string };
const fx = kilnFixture({ KILN_WORKERS: '1' }, async (kiln) => {
  a = await consoleSignIn(kiln.endpoint, kiln.credentials.accessKeyId, kiln.credentials.accessKeySecret);
  bKey = await newAccessKey(kiln);
  b = await consoleSignIn(kiln.endpoint, bKey.accessKeyId, bKey.accessKeySecret);
});

const BUILD = 'RUN echo first-step-output > /one\nRUN echo second-step-output > /two';

async function textOf(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const ndjson = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const signedKey = () => ({ id: fx.kiln.credentials.accessKeyId, secret: fx.kiln.credentials.accessKeySecret });

interface LayersBody {
  ImageId: string;
  Layers: Array<{ Digest: string; Size: number; CreatedBy: string; EmptyLayer: boolean }>;
  Code?: string;
}

async function layers(session: ConsoleSession, imageId: string, query = `?RegionId=${REGION}`): Promise<{ status: number; body: LayersBody }> {
  const res = await consoleFetch(fx.kiln.endpoint, session, `/console/api/images/${imageId}/layers${query}`);
  return { status: res.status, body: await res.json() as LayersBody };
}

test('a build\'s log stream and its image\'s layers, through the session and signed alike', async () => {
  const name = uniqueName('console-reads');
  const { executionId, item } = await build(fx.kiln.clients.v3, { name, imageName: name, buildContent: BUILD });
  assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
  const imageId = item.imageId!;

  // The log stream with the session: the signed stream's lines, ending with the execution's end line.
  const viaSession = await consoleFetch(fx.kiln.endpoint, a, `/console/api/executions/${executionId}/logs`);
  assert.equal(viaSession.status, 200);
  assert.equal(viaSession.headers.get('content-type'), 'application/x-ndjson; charset=utf-8');
  const sessionLines = ndjson(await viaSession.text());
  const signedLines = ndjson(await textOf(await signedGet(fx.kiln.endpoint, `/kiln/v1/executions/${executionId}/logs`, {}, signedKey())));
  assert.deepEqual(sessionLines, signedLines);
  const end = sessionLines.at(-1)!;
  assert.deepEqual([end.end, end.status, end.imageId], [true, 'SUCCESS', imageId]);
  const text = sessionLines.map((l) => l.text ?? '').join('');
  assert.match(text, /--> line 2: RUN echo second-step-output/);
  const resumed = ndjson(await (await consoleFetch(fx.kiln.endpoint, a, `/console/api/executions/${executionId}/logs?after=${String(sessionLines[1]!.seq)}`)).text());
  assert.deepEqual(resumed, sessionLines.slice(2));

  // Layers, bottom first: the base's, then one per step, each with what made it.
  const mine = await layers(a, imageId);
  assert.equal(mine.status, 200, JSON.stringify(mine.body));
  assert.equal(mine.body.ImageId, imageId);
  const made = mine.body.Layers;
  assert.ok(made.length >= 3, JSON.stringify(made));
  for (const l of made) {
    assert.match(l.Digest, /^sha256:[0-9a-f]{64}$/);
    assert.ok(l.Size > 0);
    assert.equal(l.EmptyLayer, false);
  }
  assert.match(made[0]!.CreatedBy, new RegExp(`^base image ${BUSYBOX}`));
  assert.deepEqual(made.slice(-2).map((l) => l.CreatedBy), ['line 1: RUN echo first-step-output > /one', 'line 2: RUN echo second-step-output > /two']);
  const signed = JSON.parse(await textOf(await signedGet(fx.kiln.endpoint, `/kiln/v1/images/${imageId}/layers`, { RegionId: REGION }, signedKey()))) as LayersBody;
  assert.deepEqual(signed.Layers, made);

  // Another account: NotFound until the image is shared with it (its calls too, as through the API), then the same layers.
  assert.deepEqual([(await layers(b, imageId)).status, (await layers(b, imageId)).body.Code], [404, 'InvalidImageId.NotFound']);
  const viaApi = await expectError(() => fx.kiln.clientsFor(bKey.accessKeyId, bKey.accessKeySecret).v3.deleteImage(new $Ecs.DeleteImageRequest({ regionId: REGION, imageId })));
  const viaCall = await consoleFetch(fx.kiln.endpoint, b, '/console/api/call', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Action: 'DeleteImage', Parameters: { RegionId: REGION, ImageId: imageId } }),
  });
  assert.equal(viaApi.code, 'InvalidImageId.NotFound');
  assert.deepEqual([viaCall.status, (await viaCall.json() as { Code: string }).Code], [viaApi.statusCode, viaApi.code]);
  await fx.kiln.clients.v3.modifyImageSharePermission(new $Ecs.ModifyImageSharePermissionRequest({ regionId: REGION, imageId, addAccount: [b.accountId] }));
  assert.deepEqual((await layers(b, imageId)).body.Layers, made);

  await assertNoLeftovers(fx.kiln.config.dataDir, executionId);
});

test('layers: a system image has none in Kiln; an unknown image, no RegionId and no session are refused', async () => {
  const system = await layers(a, BUSYBOX);
  assert.deepEqual([system.status, system.body.Layers], [200, []]);
  const unknown = await layers(a, 'm-doesnotexist000000');
  assert.deepEqual([unknown.status, unknown.body.Code], [404, 'InvalidImageId.NotFound']);
  const noRegion = await layers(a, BUSYBOX, '');
  assert.deepEqual([noRegion.status, noRegion.body.Code], [400, 'MissingParameter.RegionId']);
  const noSession = await layers({ ...a, cookie: '' }, BUSYBOX);
  assert.deepEqual([noSession.status, noSession.body.Code], [401, 'Console.SessionRequired']);
  const unsigned = await fetch(`${fx.kiln.endpoint}/kiln/v1/images/${BUSYBOX}/layers?RegionId=${REGION}`);
  assert.equal(unsigned.status, 400);
  assert.equal((await unsigned.json() as { Code: string }).Code, 'MissingParameter.Signature');
});
