import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import RPCClient from '@alicloud/pop-core';
import { REGION, expectError, startKiln } from '../support/kiln.js';
import {
  ecsTimestamp, expectPopError, hostOf, rfc3986Encode, sendRaw, sendV3, serverStringToSign, signV1, signV3, v1CommonParams,
} from '../support/wire.js';
import { assertErrorBody, assertRequestId } from './support/error-body.js';
import { protocolFixture } from './support/protocol.js';

/*
 * The gateway's errors through the official clients and through raw requests signed by the
 * test's own V1/V3 signers (test/support/wire.ts): each code with its HTTP status and an ECS
 * error body, also for requests that never reach an operation and for an unexpected fault.
 */

const BASE_IMAGE = 'busybox_x64_20G_kiln_base.vhd';

const protocol = protocolFixture();
const { ak, secret, v1Query } = protocol;

describe('gateway errors: code and HTTP status', () => {
  test('SignatureDoesNotMatch (V1): the message ends with exactly the string to sign', async () => {
    for (const method of ['GET', 'POST']) {
      const req = v1Query(method, 'DescribeRegions', { Probe: 'a b*c~' }, { secret: 'not-the-secret' });
      const res = await sendRaw(protocol.kiln.endpoint, { method, path: req.path });
      const body = assertErrorBody(res, 'SignatureDoesNotMatch', 400);
      assert.equal(serverStringToSign(String(body.Message)), req.stringToSign);
    }
    const bad = protocol.kiln.clientsFor(ak(), 'not-the-secret');
    const e = await expectError(() => bad.v1.describeRegions(new $Ecs.DescribeRegionsRequest({})));
    assert.equal(e.code, 'SignatureDoesNotMatch');
    assert.equal(e.statusCode, 400);
    assert.match(String(e.data.Message), /server string to sign is:POST&%2F&AccessKeyId%3D/);
    const p = await expectPopError(() => bad.pop.request('DescribeRegions', {}, { method: 'POST' }));
    assert.equal(p.code, 'SignatureDoesNotMatch');
    assert.equal(p.status, 400);
  });

  test('SignatureDoesNotMatch (V3): the SDK sees it, and the string to sign is the V3 one', async () => {
    const bad = protocol.kiln.clientsFor(ak(), 'not-the-secret');
    const e = await expectError(() => bad.v3.describeRegions(new $Ecs.DescribeRegionsRequest({})));
    assert.equal(e.code, 'SignatureDoesNotMatch');
    assert.equal(e.statusCode, 400);
    assert.match(String(e.data.Message), /server string to sign is:ACS3-HMAC-SHA256\n[0-9a-f]{64}$/);

    const signed = signV3({ accessKeyId: ak(), secret: 'not-the-secret', action: 'DescribeImages', host: hostOf(protocol.kiln.endpoint), query: { RegionId: REGION, PageSize: '5' } });
    const res = await sendV3(protocol.kiln.endpoint, signed);
    const body = assertErrorBody(res, 'SignatureDoesNotMatch', 400);
    assert.equal(serverStringToSign(String(body.Message)), signed.stringToSign);
  });

  test('a V3 request signed by the test signer is accepted (control for the V3 error cases)', async () => {
    const signed = signV3({ accessKeyId: ak(), secret: secret(), action: 'DescribeImages', host: hostOf(protocol.kiln.endpoint), query: { RegionId: REGION, PageSize: '5' } });
    const res = await sendV3(protocol.kiln.endpoint, signed);
    assert.equal(res.status, 200, res.text);
    const body = res.json();
    assertRequestId(res, body);
    assert.equal(body.RegionId, REGION);
  });

  test('InvalidTimeStamp.Expired: a V1 Timestamp and a V3 x-acs-date 20 minutes old (or ahead)', async () => {
    const old = ecsTimestamp(new Date(Date.now() - 20 * 60 * 1000));
    const ahead = ecsTimestamp(new Date(Date.now() + 20 * 60 * 1000));
    for (const timestamp of [old, ahead]) {
      const req = v1Query('GET', 'DescribeRegions', {}, { timestamp });
      const res = await sendRaw(protocol.kiln.endpoint, { method: 'GET', path: req.path });
      assertErrorBody(res, 'InvalidTimeStamp.Expired', 400);
    }
    const signed = signV3({ accessKeyId: ak(), secret: secret(), action: 'DescribeRegions', host: hostOf(protocol.kiln.endpoint), date: old });
    assertErrorBody(await sendV3(protocol.kiln.endpoint, signed), 'InvalidTimeStamp.Expired', 400);
  });

  test('SignatureNonceUsed: the exact same signed request sent twice (V1 and V3)', async () => {
    const req = v1Query('GET', 'DescribeRegions', {});
    const first = await sendRaw(protocol.kiln.endpoint, { method: 'GET', path: req.path });
    assert.equal(first.status, 200, first.text);
    const second = await sendRaw(protocol.kiln.endpoint, { method: 'GET', path: req.path });
    assertErrorBody(second, 'SignatureNonceUsed', 400);

    const signed = signV3({ accessKeyId: ak(), secret: secret(), action: 'DescribeRegions', host: hostOf(protocol.kiln.endpoint) });
    assert.equal((await sendV3(protocol.kiln.endpoint, signed)).status, 200);
    assertErrorBody(await sendV3(protocol.kiln.endpoint, signed), 'SignatureNonceUsed', 400);

    // A create replayed is refused, not run twice.
    const create = v1Query('POST', 'CreateImagePipeline', { RegionId: REGION, BaseImageType: 'IMAGE', BaseImage: BASE_IMAGE, Name: 'replayed' });
    assert.equal((await sendRaw(protocol.kiln.endpoint, { method: 'POST', path: create.path })).status, 200);
    assertErrorBody(await sendRaw(protocol.kiln.endpoint, { method: 'POST', path: create.path }), 'SignatureNonceUsed', 400);
    const listed = await protocol.kiln.clients.v3.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION, name: 'replayed' }));
    assert.equal(listed.body?.imagePipeline?.imagePipelineSet?.length, 1);
  });

  test('InvalidAccessKeyId.NotFound (404) for every client', async () => {
    const stranger = protocol.kiln.clientsFor('LTAInoSuchKey000000000', 'whatever');
    for (const client of [stranger.v3, stranger.v1]) {
      const e = await expectError(() => client.describeRegions(new $Ecs.DescribeRegionsRequest({})));
      assert.equal(e.code, 'InvalidAccessKeyId.NotFound');
      assert.equal(e.statusCode, 404);
    }
    const p = await expectPopError(() => stranger.pop.request('DescribeRegions', {}));
    assert.equal(p.code, 'InvalidAccessKeyId.NotFound');
    assert.equal(p.status, 404);
  });

  test('InvalidAction.NotFound (404) and InvalidVersion (400)', async () => {
    const p = await expectPopError(() => protocol.kiln.clients.pop.request('DescribeNoSuchThing', { RegionId: REGION }));
    assert.equal(p.code, 'InvalidAction.NotFound');
    assert.equal(p.status, 404);
    assertErrorBody(await sendRaw(protocol.kiln.endpoint, { method: 'GET', path: v1Query('GET', 'RunInstances', {}).path }), 'InvalidAction.NotFound', 404);

    const old = new RPCClient({ accessKeyId: ak(), accessKeySecret: secret(), endpoint: protocol.kiln.endpoint, apiVersion: '2016-03-14' });
    const v = await expectPopError(() => old.request('DescribeRegions', {}));
    assert.equal(v.code, 'InvalidVersion');
    assert.equal(v.status, 400);
  });

  test('MissingParameter.RegionId on CreateImagePipeline; MissingParameter.Signature when unsigned', async () => {
    for (const client of [protocol.kiln.clients.v3, protocol.kiln.clients.v1]) {
      const e = await expectError(() => client.createImagePipeline(new $Ecs.CreateImagePipelineRequest({ baseImageType: 'IMAGE', baseImage: BASE_IMAGE })));
      assert.equal(e.code, 'MissingParameter.RegionId');
      assert.equal(e.statusCode, 400);
    }
    const unsigned = await sendRaw(protocol.kiln.endpoint, {
      method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `Action=CreateImagePipeline&Version=2014-05-26&RegionId=${REGION}&BaseImageType=IMAGE&BaseImage=${BASE_IMAGE}`,
    });
    assertErrorBody(unsigned, 'MissingParameter.Signature', 400);
  });

  test('InvalidRegionId.NotFound (404) for a RegionId that is not configured', async () => {
    const e = await expectError(() => protocol.kiln.clients.v3.createImagePipeline(new $Ecs.CreateImagePipelineRequest({ regionId: 'xx-nowhere-1', baseImageType: 'IMAGE', baseImage: BASE_IMAGE })));
    assert.equal(e.code, 'InvalidRegionId.NotFound');
    assert.equal(e.statusCode, 404);
    const p = await expectPopError(() => protocol.kiln.clients.pop.request('DescribeImagePipelines', { RegionId: 'xx-nowhere-1' }));
    assert.equal(p.code, 'InvalidRegionId.NotFound');
    assert.equal(p.status, 404);
  });

  test('malformed percent-encoding is InvalidParameter (400), in the query and in a form body', async () => {
    const query = await sendRaw(protocol.kiln.endpoint, { method: 'GET', path: '/?Action=DescribeRegions&Version=2014-05-26&Name=%ZZ' });
    assertErrorBody(query, 'InvalidParameter', 400);
    const truncated = await sendRaw(protocol.kiln.endpoint, { method: 'GET', path: '/?Action=DescribeRegions&Version=2014-05-26&Name=abc%E' });
    assertErrorBody(truncated, 'InvalidParameter', 400);
    const notUtf8 = await sendRaw(protocol.kiln.endpoint, { method: 'GET', path: '/?Action=DescribeRegions&Version=2014-05-26&Name=%FF%FE' });
    assertErrorBody(notUtf8, 'InvalidParameter', 400);
    const form = await sendRaw(protocol.kiln.endpoint, {
      method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeRegions&Version=2014-05-26&Name=%G1',
    });
    assertErrorBody(form, 'InvalidParameter', 400);
  });
});

describe('requests that never reach an operation still get ECS error bodies', () => {
  test('a body over the limit: pop-core sees an error (not a success), with RequestId', async () => {
    const huge = 'x'.repeat(2 * 1024 * 1024);
    const p = await expectPopError(() => protocol.kiln.clients.pop.request('CreateImagePipeline', { RegionId: REGION, BaseImageType: 'IMAGE', BaseImage: BASE_IMAGE, BuildContent: huge }, { method: 'POST' }));
    assert.equal(p.code, 'InvalidParameter');
    assert.equal(p.status, 400);
    assert.ok(typeof p.data.RequestId === 'string');
    const raw = await sendRaw(protocol.kiln.endpoint, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: huge });
    assertErrorBody(raw, 'InvalidParameter', 400);
  });

  test('another path or method is InvalidAction.NotFound (404); an undecodable path is InvalidParameter (400)', async () => {
    for (const spec of [{ method: 'GET', path: '/foo?Action=DescribeRegions' }, { method: 'PUT', path: '/' }, { method: 'DELETE', path: '/?Action=DescribeRegions' }]) {
      assertErrorBody(await sendRaw(protocol.kiln.endpoint, spec), 'InvalidAction.NotFound', 404);
    }
    assertErrorBody(await sendRaw(protocol.kiln.endpoint, { method: 'GET', path: '/%ZZ?Action=DescribeRegions' }), 'InvalidParameter', 400);
    const xml = await sendRaw(protocol.kiln.endpoint, { method: 'GET', path: '/nowhere?Format=XML' });
    assert.equal(xml.status, 404);
    assert.equal(xml.headers['content-type'], 'text/xml;charset=utf-8');
    assert.ok(xml.text.includes('<Code>InvalidAction.NotFound</Code>'));
  });
});

test('an unexpected fault is InternalError (500) with the documented body and no internals', async () => {
  // The server logs the cause (with its stack) — expected here, so keep it out of the test output.
  const k = await startKiln({ KILN_LOG_LEVEL: 'silent' });
  try {
    const healthy = await sendRaw(k.endpoint, { method: 'GET', path: '/kiln/health' });
    assert.equal(healthy.status, 200);
    assert.deepEqual(healthy.json(), { status: 'ok' });
    await k.app.store.close();
    const e = await expectError(() => k.clients.v3.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION })));
    assert.equal(e.code, 'InternalError');
    assert.equal(e.statusCode, 500);

    const p = await expectPopError(() => k.clients.pop.request('CreateImagePipeline', { RegionId: REGION, BaseImageType: 'IMAGE', BaseImage: BASE_IMAGE }, { method: 'POST' }));
    assert.equal(p.code, 'InternalError');
    assert.equal(p.status, 500);

    const all = { ...v1CommonParams({ accessKeyId: k.credentials.accessKeyId, action: 'DescribeRegions' }) };
    const sig = signV1('GET', all, k.credentials.accessKeySecret).signature;
    const res = await sendRaw(k.endpoint, { method: 'GET', path: `/?${rfc3986Encode({ ...all, Signature: sig })}` });
    const body = assertErrorBody(res, 'InternalError', 500);
    assert.deepEqual(Object.keys(body).sort(), ['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
    assert.equal(body.Message, 'The request processing has failed due to some unknown error.');
    assert.doesNotMatch(res.text, /\bat .*\.(ts|js|mjs|cjs)\b|Error:|stack|sqlite|kysely|driver|destroy|pool|SELECT|node_modules/i);

    // Kiln's own health endpoint says the store is gone without saying how.
    const health = await sendRaw(k.endpoint, { method: 'GET', path: '/kiln/health' });
    assert.equal(health.status, 503);
    assert.deepEqual(health.json(), { status: 'unavailable' });
  } finally {
    await k.stop().catch(() => {});
  }
});
