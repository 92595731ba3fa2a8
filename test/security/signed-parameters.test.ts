import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { createAccount } from '../../src/auth/accounts.js';
import { newAccountImage, type Image } from '../../src/domain/image.js';
import { REGION, startKiln, type Clients, type TestKiln } from '../support/kiln.js';
import { rfc3986Encode, sendRaw, signV1, signV3, v1CommonParams } from '../support/wire.js';
import { captureSdkRequest, sendCaptured, type CapturedRequest } from './support/sdk-capture.js';

/*
 * Issue 8, item 8: only signed parameters are used. A request an official client signed is
 * captured off the wire, parameters are added in a form body the signature does not cover, and
 * the result goes to a real Kiln over HTTP. It must be refused with SignatureDoesNotMatch and
 * change nothing; the request as signed must still work afterwards (the refusal did not burn
 * its nonce). The V3 tests held already on 1105ac4 (the body's digest was checked); they guard
 * that path against the same tampering.
 */

let kiln: TestKiln;
let counter = 0;

before(async () => {
  kiln = await startKiln();
});

after(async () => {
  await kiln?.stop();
});

interface Tenant extends Clients {
  accountId: string;
  creds: { accessKeyId: string; accessKeySecret: string };
}

async function tenant(): Promise<Tenant> {
  const { account, accessKey } = await createAccount(kiln.app.store, kiln.config.regions.map((r) => r.regionId));
  const creds = { accessKeyId: accessKey.id, accessKeySecret: accessKey.secret };
  return { accountId: account.id, creds, ...kiln.clientsFor(creds.accessKeyId, creds.accessKeySecret) };
}

/** An image owned by `owner`, inserted as a build would save it. */
async function seedImage(owner: Tenant): Promise<Image> {
  const n = ++counter;
  const image = newAccountImage({
    imageId: `m-signedparams${String(n).padStart(4, '0')}${Math.random().toString(36).slice(2, 8)}`,
    regionId: REGION,
    accountId: owner.accountId,
    imageName: `signed-params-${n}`,
    size: 40,
    creationTime: '2025-01-01T00:00:00Z',
    tags: [],
    manifestDigest: `sha256:${String(n).padStart(64, '0')}`,
  });
  await kiln.app.store.images.insert(image);
  return image;
}

/** The request with `form` added as an urlencoded body the signature does not cover. */
function withUnsignedForm(r: CapturedRequest, form: Record<string, string>): CapturedRequest {
  return {
    ...r,
    headers: { ...r.headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  };
}

async function sharedWith(owner: Tenant, imageId: string): Promise<string[]> {
  const res = await owner.v3.describeImageSharePermission(new $Ecs.DescribeImageSharePermissionRequest({ regionId: REGION, imageId }));
  return (res.body?.accounts?.account ?? []).map((a) => a.aliyunId ?? '').sort();
}

async function othersImages(t: Tenant): Promise<string[]> {
  const res = await t.v3.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, imageOwnerAlias: 'others', pageSize: 100 }));
  return (res.body?.images?.image ?? []).map((i) => i.imageId ?? '');
}

async function pipelinesNamed(t: Tenant, name: string): Promise<$Ecs.DescribeImagePipelinesResponseBodyImagePipelineImagePipelineSet[]> {
  const res = await t.v3.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION, name, maxResults: 100 }));
  return res.body?.imagePipeline?.imagePipelineSet ?? [];
}

function assertSignatureDoesNotMatch(res: { status: number; json(): Record<string, unknown> }): void {
  const body = res.json();
  assert.equal(body.Code, 'SignatureDoesNotMatch', JSON.stringify(body));
  assert.equal(res.status, 400);
}

describe('V1 signed over the query only, with an unsigned form body', () => {
  test('AddAccount in the unsigned body does not share the image with another account', async () => {
    const [owner, friend, intruder] = [await tenant(), await tenant(), await tenant()];
    const image = await seedImage(owner);
    // The owner shares the image with a friend: ECS SDK, V1 (HMAC-SHA1), every parameter in the query.
    const signed = await captureSdkRequest(owner.creds, 'v1', (c) => c.modifyImageSharePermission(
      new $Ecs.ModifyImageSharePermissionRequest({ regionId: REGION, imageId: image.imageId, addAccount: [friend.accountId] })));
    assert.match(signed.path, /[?&]Signature=/);
    assert.match(signed.path, /AddAccount\.1=/);

    const tampered = withUnsignedForm(signed, { 'AddAccount.2': intruder.accountId });
    assertSignatureDoesNotMatch(await sendCaptured(kiln.endpoint, tampered));
    assert.deepEqual(await sharedWith(owner, image.imageId), [], 'nothing was shared');
    assert.deepEqual(await othersImages(intruder), []);

    // The request as the owner signed it still goes through, and shares with the friend only.
    const ok = await sendCaptured(kiln.endpoint, signed);
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(await sharedWith(owner, image.imageId), [friend.accountId]);
    assert.deepEqual(await othersImages(intruder), []);
  });

  test('unsigned Description and InternetMaxBandwidthOut are not stored on a CreateImagePipeline', async () => {
    const owner = await tenant();
    const name = `signed-params-${++counter}`;
    const signed = await captureSdkRequest(owner.creds, 'v1', (c) => c.createImagePipeline(new $Ecs.CreateImagePipelineRequest({
      regionId: REGION, baseImageType: 'IMAGE', baseImage: 'busybox_x64_20G_kiln_base.vhd', name, buildContent: 'RUN echo hello',
    })));

    const tampered = withUnsignedForm(signed, { Description: 'not signed by the owner', InternetMaxBandwidthOut: '100' });
    assertSignatureDoesNotMatch(await sendCaptured(kiln.endpoint, tampered));
    assert.deepEqual(await pipelinesNamed(owner, name), [], 'no template was created');

    const ok = await sendCaptured(kiln.endpoint, signed);
    assert.equal(ok.status, 200, ok.text);
    const [p, ...more] = await pipelinesNamed(owner, name);
    assert.equal(more.length, 0);
    assert.equal(p?.description ?? '', '');
    assert.equal(p?.internetMaxBandwidthOut, 0);
  });
});

describe('V3 (ACS3-HMAC-SHA256): the body is covered by its signed digest', () => {
  test('a form body added to a signed V3 request is refused and changes nothing', async () => {
    const owner = await tenant();
    const name = `signed-params-${++counter}`;
    const signed = await captureSdkRequest(owner.creds, 'v3', (c) => c.createImagePipeline(new $Ecs.CreateImagePipelineRequest({
      regionId: REGION, baseImageType: 'IMAGE', baseImage: 'busybox_x64_20G_kiln_base.vhd', name, buildContent: 'RUN echo hello',
    })));
    assert.match(signed.headers.authorization ?? '', /^ACS3-HMAC-SHA256 /);

    // With a form content-type the SDK did not sign: refused before anything is read from the body.
    const asForm = await sendCaptured(kiln.endpoint, withUnsignedForm(signed, { Description: 'x', InternetMaxBandwidthOut: '100' }));
    assert.equal(asForm.status, 400, asForm.text);
    assert.match(String(asForm.json().Code), /^(IncompleteSignature|SignatureDoesNotMatch)$/);
    // A body alone: not the body whose digest (x-acs-content-sha256) was signed.
    const bodyOnly = await sendCaptured(kiln.endpoint, { ...signed, body: 'Description=x&InternetMaxBandwidthOut=100' });
    assertSignatureDoesNotMatch(bodyOnly);
    assert.match(String(bodyOnly.json().Message), /x-acs-content-sha256/);
    assert.deepEqual(await pipelinesNamed(owner, name), []);

    const ok = await sendCaptured(kiln.endpoint, signed);
    assert.equal(ok.status, 200, ok.text);
    const [p] = await pipelinesNamed(owner, name);
    assert.equal(p?.description ?? '', '');
    assert.equal(p?.internetMaxBandwidthOut, 0);
  });

  test('a V3 form body whose content-type is signed cannot be swapped for another', async () => {
    const owner = await tenant();
    const name = `signed-params-${++counter}`;
    const host = new URL(kiln.endpoint).host;
    const body = new URLSearchParams({ RegionId: REGION, BaseImageType: 'IMAGE', BaseImage: 'busybox_x64_20G_kiln_base.vhd', Name: name }).toString();
    const signed = signV3({
      ...owner.creds, secret: owner.creds.accessKeySecret, action: 'CreateImagePipeline', host, body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const swapped = await sendRaw(kiln.endpoint, { ...signed, body: `${body}&Description=x&InternetMaxBandwidthOut=100` });
    assertSignatureDoesNotMatch(swapped);
    assert.match(String(swapped.json().Message), /x-acs-content-sha256/);
    assert.deepEqual(await pipelinesNamed(owner, name), []);

    const ok = await sendRaw(kiln.endpoint, signed);
    assert.equal(ok.status, 200, ok.text);
    const [p] = await pipelinesNamed(owner, name);
    assert.equal(p?.internetMaxBandwidthOut, 0);
  });
});

describe("Kiln's own endpoints", () => {
  test('a V1 request signed for / is not served on the logs endpoint, whose path it does not sign', async () => {
    const owner = await tenant();
    const created = await owner.v3.createImagePipeline(new $Ecs.CreateImagePipelineRequest({
      regionId: REGION, baseImageType: 'IMAGE', baseImage: 'busybox_x64_20G_kiln_base.vhd', name: `signed-params-${++counter}`, buildContent: 'RUN echo hello',
    }));
    const started = await owner.v3.startImagePipelineExecution(new $Ecs.StartImagePipelineExecutionRequest({
      regionId: REGION, imagePipelineId: created.body?.imagePipelineId,
    }));
    const executionId = started.body?.executionId;
    assert.match(executionId ?? '', /\S/);

    // GET / DescribeImagePipelines, V1: the string to sign names the method and the parameters, not the path.
    const params = { ...v1CommonParams({ accessKeyId: owner.creds.accessKeyId, action: 'DescribeImagePipelines' }), RegionId: REGION };
    const query = rfc3986Encode({ ...params, Signature: signV1('GET', params, owner.creds.accessKeySecret).signature });
    const moved = await sendRaw(kiln.endpoint, { method: 'GET', path: `/kiln/v1/executions/${executionId}/logs?${query}` });
    assert.equal(moved.status, 400, moved.text);
    assert.equal(moved.json().Code, 'IncompleteSignature');

    // Where it was signed for, it is served (the refusal did not use its nonce).
    const home = await sendRaw(kiln.endpoint, { method: 'GET', path: `/?${query}` });
    assert.equal(home.status, 200, home.text);
  });
});
