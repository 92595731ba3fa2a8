import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { REGION } from '../support/kiln.js';
import { goValuesEncode, rfc3986Encode, sendRaw, signV1, v1CommonParams } from '../support/wire.js';
import { assertErrorBody, assertRequestId } from './support/error-body.js';
import { protocolFixture } from './support/protocol.js';

/*
 * The RPC protocol through the official clients and through raw requests signed by the test's
 * own V1/V3 signers (test/support/wire.ts): request forms and response envelopes, JSON and XML
 * (the gateway's errors: protocol-errors.test.ts).
 */

const BASE_IMAGE = 'busybox_x64_20G_kiln_base.vhd';
/** Spaces, quotes and characters that the encodings treat differently (`+ * ~ ( ) ! '`). */
const AWKWARD_BUILD = `RUN echo "hello world" && echo 'a*b~c(d)!' > /tmp/x+y.txt`;

const protocol = protocolFixture();
const { ak, secret, v1Query } = protocol;

async function describePipeline(id: string) {
  const r = await protocol.kiln.clients.v3.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION, imagePipelineId: [id] }));
  const set = r.body?.imagePipeline?.imagePipelineSet ?? [];
  assert.equal(set.length, 1, `pipeline ${id} should be listed once`);
  return set[0]!;
}

describe('every client form reaches the same operations', () => {
  test('DescribeRegions with the SDK (V3 and V1), pop-core POST and pop-core GET', async () => {
    const regions = protocol.kiln.config.regions.map((r) => r.regionId).sort();

    for (const client of [protocol.kiln.clients.v3, protocol.kiln.clients.v1]) {
      const r = await client.describeRegions(new $Ecs.DescribeRegionsRequest({}));
      assert.equal(r.statusCode, 200);
      assert.ok(r.body instanceof $Ecs.DescribeRegionsResponseBody);
      assert.deepEqual(r.body.regions?.region?.map((x) => x.regionId).sort(), regions);
      const hz = r.body.regions?.region?.find((x) => x.regionId === REGION);
      assert.equal(hz?.regionEndpoint, `ecs.${REGION}.aliyuncs.com`);
      assert.ok(r.body.requestId);
      assert.equal(r.headers?.['x-acs-request-id'], r.body.requestId);
    }

    for (const method of ['POST', 'GET'] as const) {
      const r = await protocol.kiln.clients.pop.request<Record<string, unknown>>('DescribeRegions', {}, { method });
      assert.ok(typeof r.RequestId === 'string' && r.RequestId.length > 0);
      assert.ok(!('Code' in r), `a success body has no Code (${method})`);
      const list = (r.Regions as { Region: Array<{ RegionId: string }> }).Region;
      assert.deepEqual(list.map((x) => x.RegionId).sort(), regions);
    }
  });

  test('CreateImagePipeline with the SDK (V3 and V1), pop-core POST and pop-core GET; values survive each encoding', async () => {
    const made: Array<{ id: string; name: string }> = [];
    const sdkForms = [['v3', protocol.kiln.clients.v3], ['v1', protocol.kiln.clients.v1]] as const;
    for (const [name, client] of sdkForms) {
      const r = await client.createImagePipeline(new $Ecs.CreateImagePipelineRequest({
        regionId: REGION, baseImageType: 'IMAGE', baseImage: BASE_IMAGE, name: `form-${name}`, buildContent: AWKWARD_BUILD,
        toRegionId: ['cn-beijing'], tag: [new $Ecs.CreateImagePipelineRequestTag({ key: 'form', value: name })],
      }));
      assert.equal(r.statusCode, 200);
      assert.ok(r.body instanceof $Ecs.CreateImagePipelineResponseBody);
      assert.match(r.body.imagePipelineId ?? '', /^ip-/);
      assert.equal(r.headers?.['x-acs-request-id'], r.body.requestId);
      made.push({ id: r.body.imagePipelineId as string, name: `form-${name}` });
    }
    for (const method of ['POST', 'GET'] as const) {
      const name = `form-pop-${method.toLowerCase()}`;
      const r = await protocol.kiln.clients.pop.request<Record<string, unknown>>('CreateImagePipeline', {
        RegionId: REGION, BaseImageType: 'IMAGE', BaseImage: BASE_IMAGE, Name: name, BuildContent: AWKWARD_BUILD,
        ToRegionId: ['cn-beijing'], Tag: [{ Key: 'form', Value: name }],
      }, { method });
      assert.ok(!('Code' in r));
      assert.ok(typeof r.RequestId === 'string' && r.RequestId.length > 0);
      assert.match(String(r.ImagePipelineId), /^ip-/);
      made.push({ id: String(r.ImagePipelineId), name });
    }

    assert.equal(new Set(made.map((m) => m.id)).size, 4);
    for (const m of made) {
      const p = await describePipeline(m.id);
      assert.equal(p.name, m.name);
      assert.equal(p.buildContent, AWKWARD_BUILD);
      assert.deepEqual(p.toRegionIds?.toRegionId, ['cn-beijing']);
      assert.equal(p.tags?.tag?.length, 1);
    }
  });

  test('raw requests: RequestId in the body and the x-acs-request-id header, no Code on success', async () => {
    const ok = await sendRaw(protocol.kiln.endpoint, { method: 'GET', path: v1Query('GET', 'DescribeRegions', {}).path });
    assert.equal(ok.status, 200, ok.text);
    assert.match(String(ok.headers['content-type']), /^application\/json/);
    const body = ok.json();
    assertRequestId(ok, body);
    assert.ok(!('Code' in body));
    assert.ok(!('Message' in body));

    const bad = await sendRaw(protocol.kiln.endpoint, { method: 'GET', path: '/?Action=DescribeRegions&Version=2014-05-26' });
    assertErrorBody(bad, 'MissingParameter.Signature', 400);
    assert.notEqual(bad.headers['x-acs-request-id'], ok.headers['x-acs-request-id']);
  });

  test('the Terraform / tea-rpc form: common parameters and Signature in the query, operation parameters in a form body, V1 over both', async () => {
    const common = v1CommonParams({ accessKeyId: ak(), action: 'CreateImagePipeline' });
    const op = { RegionId: REGION, BaseImageType: 'IMAGE', BaseImage: BASE_IMAGE, Name: 'tf-form', BuildContent: AWKWARD_BUILD, 'ToRegionId.1': 'cn-beijing', ClientToken: randomUUID() };
    const { signature } = signV1('POST', { ...common, ...op }, secret());
    const send = (body: string) => sendRaw(protocol.kiln.endpoint, {
      method: 'POST',
      path: `/?${rfc3986Encode({ ...common, Signature: signature })}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const body = goValuesEncode(op);
    assert.ok(body.includes('+'), 'the Go form encoding writes spaces as +');

    // The body is covered by the signature: a changed body fails (before the nonce is spent).
    const tampered = await send(goValuesEncode({ ...op, Name: 'tf-form-changed' }));
    assertErrorBody(tampered, 'SignatureDoesNotMatch', 400);

    const res = await send(body);
    assert.equal(res.status, 200, res.text);
    const json = res.json();
    assertRequestId(res, json);
    assert.match(String(json.ImagePipelineId), /^ip-/);
    const p = await describePipeline(String(json.ImagePipelineId));
    assert.equal(p.name, 'tf-form');
    assert.equal(p.buildContent, AWKWARD_BUILD);
    assert.deepEqual(p.toRegionIds?.toRegionId, ['cn-beijing']);
  });

  test('the aliyun CLI form: an empty SignatureType= that is signed, spaces written as + (Go url.Values)', async () => {
    const params = {
      ...v1CommonParams({ accessKeyId: ak(), action: 'CreateImagePipeline' }),
      SignatureType: '',
      RegionId: REGION, BaseImageType: 'IMAGE', BaseImage: BASE_IMAGE, Name: 'cli-form', BuildContent: AWKWARD_BUILD,
    };
    const send = (signature: string) => sendRaw(protocol.kiln.endpoint, {
      method: 'POST',
      path: `/?${goValuesEncode({ ...params, Signature: signature })}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.ok(goValuesEncode(params).includes('SignatureType=&'));
    assert.ok(goValuesEncode(params).includes('hello+world'));

    // The empty parameter is part of the string to sign: leaving it out of the signature fails.
    const { SignatureType: _omit, ...withoutType } = params;
    const wrong = await send(signV1('POST', withoutType, secret()).signature);
    const err = assertErrorBody(wrong, 'SignatureDoesNotMatch', 400);
    assert.ok(String(err.Message).includes('SignatureType%3D%26'), 'the server signs the empty SignatureType');

    const res = await send(signV1('POST', params, secret()).signature);
    assert.equal(res.status, 200, res.text);
    const json = res.json();
    assertRequestId(res, json);
    const p = await describePipeline(String(json.ImagePipelineId));
    assert.equal(p.name, 'cli-form');
    assert.equal(p.buildContent, AWKWARD_BUILD);
  });
});

describe('Format=XML', () => {
  test('a success is <DescribeRegionsResponse> with RequestId, as text/xml', async () => {
    const req = v1Query('GET', 'DescribeRegions', {}, { format: 'XML' });
    const res = await sendRaw(protocol.kiln.endpoint, { method: 'GET', path: req.path });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['content-type'], 'text/xml;charset=utf-8');
    const requestId = String(res.headers['x-acs-request-id']);
    assert.match(res.text, /^<\?xml version="1\.0" encoding="UTF-8"\?><DescribeRegionsResponse>/);
    assert.ok(res.text.endsWith('</DescribeRegionsResponse>'));
    assert.ok(res.text.includes(`<RequestId>${requestId}</RequestId>`));
    assert.ok(res.text.includes(`<RegionId>${REGION}</RegionId>`));
    assert.ok(!res.text.includes('<Code>'));
  });

  test('an error is <Error> with Code, as text/xml, with the error status', async () => {
    const req = v1Query('GET', 'NoSuchAction', {}, { format: 'XML' });
    const res = await sendRaw(protocol.kiln.endpoint, { method: 'GET', path: req.path });
    assert.equal(res.status, 404);
    assert.equal(res.headers['content-type'], 'text/xml;charset=utf-8');
    const requestId = String(res.headers['x-acs-request-id']);
    assert.match(res.text, /^<\?xml version="1\.0" encoding="UTF-8"\?><Error>/);
    assert.ok(res.text.includes(`<RequestId>${requestId}</RequestId>`));
    assert.ok(res.text.includes('<Code>InvalidAction.NotFound</Code>'));
    assert.ok(res.text.includes('<HostId>'));
    assert.ok(res.text.includes('<Recommend><![CDATA[https://api.aliyun.com/troubleshoot?q=InvalidAction.NotFound'));
    assert.ok(res.text.endsWith('</Error>'));

    const wrongSecret = v1Query('GET', 'DescribeRegions', {}, { format: 'XML', secret: 'nope' });
    const res2 = await sendRaw(protocol.kiln.endpoint, { method: 'GET', path: wrongSecret.path });
    assert.equal(res2.status, 400);
    assert.ok(res2.text.includes('<Code>SignatureDoesNotMatch</Code>'));
  });
});
