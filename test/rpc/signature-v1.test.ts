import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signV1, v1CanonicalizedQuery, v1Sign, v1StringToSign, verifyV1 } from '../../src/api/rpc/signature-v1.js';
import type { ParamPair } from '../../src/api/rpc/decode.js';

test('OAPI vector: {test:"ok"}, method "", secret accessKeySecret', () => {
  // @alicloud/openapi-core ts/test/util.spec.ts getRPCSignature
  assert.equal(signV1('', { test: 'ok' }, 'accessKeySecret'), 'jHx/oHoHNrbVfhncHEvPdHXZwHU=');
  assert.equal(v1StringToSign('', { test: 'ok' }), '&%2F&test%3Dok');
});

test('the canonicalized query sorts keys, drops Signature, keeps empty values, encodes twice', () => {
  const params: ParamPair[] = [['b', 'x y'], ['Signature', 'zzz'], ['SignatureType', ''], ['a', '*~']];
  assert.equal(v1CanonicalizedQuery(params), 'SignatureType=&a=%2A~&b=x%20y');
  assert.equal(v1StringToSign('GET', params), 'GET&%2F&SignatureType%3D%26a%3D%252A~%26b%3Dx%2520y');
});

test('a repeated key keeps its last value (pairs) — the same as a map', () => {
  assert.equal(v1CanonicalizedQuery([['a', '1'], ['a', '2']]), v1CanonicalizedQuery({ a: '2' }));
});

test('the key is secret + "&" (HMAC-SHA1, base64)', () => {
  // openssl: printf 'GET&%%2F&a%%3D1' | openssl dgst -sha1 -hmac 'secret&' -binary | base64
  assert.equal(v1Sign('GET&%2F&a%3D1', 'secret'), 'eLKLeSRSuJUzQsBT2tikxeY93AU=');
  assert.notEqual(v1Sign('GET&%2F&a%3D1', 'secret'), v1Sign('GET&%2F&a%3D1', 'secret&'));
});

test('verifyV1 accepts a signature over query ∪ form', () => {
  const query: ParamPair[] = [['Action', 'X'], ['SignatureNonce', 'n']];
  const form: ParamPair[] = [['RegionId', 'cn-hangzhou']];
  const signature = signV1('POST', [...query, ...form], 's');
  assert.deepEqual(verifyV1({ method: 'POST', query, form, signature, secret: 's' }), { ok: true });
});

test('verifyV1 refuses a signature over the query alone when there is a form body (old tea-rpc), and says so', () => {
  const query: ParamPair[] = [['Action', 'X']];
  const form: ParamPair[] = [['RegionId', 'cn-hangzhou']];
  const signature = signV1('POST', query, 's');
  assert.deepEqual(verifyV1({ method: 'POST', query, form, signature, secret: 's' }), {
    ok: false,
    stringToSign: v1StringToSign('POST', [...query, ...form]),
    unsignedBody: true,
  });
});

test('a form body that only repeats signed query values is covered by the signature', () => {
  const query: ParamPair[] = [['Action', 'DescribeImagePipelines']];
  const signature = signV1('POST', query, 's');
  assert.equal(verifyV1({ method: 'POST', query, form: [['Action', 'DeleteImagePipeline']], signature, secret: 's' }).ok, false);
  assert.equal(verifyV1({ method: 'POST', query, form: [['Action', 'DescribeImagePipelines']], signature, secret: 's' }).ok, true);
});

test('a failed verification reports the union string to sign', () => {
  const query: ParamPair[] = [['a', '1']];
  const form: ParamPair[] = [['b', '2']];
  const r = verifyV1({ method: 'POST', query, form, signature: 'bad', secret: 's' });
  assert.deepEqual(r, { ok: false, stringToSign: 'POST&%2F&a%3D1%26b%3D2', unsignedBody: false });
});

test('the HTTP method is part of the string to sign', () => {
  const params: ParamPair[] = [['a', '1']];
  const signature = signV1('GET', params, 's');
  assert.equal(verifyV1({ method: 'POST', query: params, form: [], signature, secret: 's' }).ok, false);
});
