import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authenticate } from '../../src/api/rpc/authenticate.js';
import type { RawRequest } from '../../src/api/rpc/raw-request.js';
import { signV1 } from '../../src/api/rpc/signature-v1.js';
import { v3Authorization, v3PayloadHash } from '../../src/api/rpc/signature-v3.js';
import {
  CAPTURE_TIME,
  TEST_ACCOUNT,
  TEST_AK,
  TEST_SECRET,
  decoded,
  goValuesEncode,
  signedV1Get,
  signedV3Post,
  testDeps,
  v1Common,
} from '../support/rpc-requests.js';

const NOW = CAPTURE_TIME;
const PRINCIPAL = { accountId: TEST_ACCOUNT, accessKeyId: TEST_AK };

function auth(raw: RawRequest, deps = testDeps()) {
  return authenticate(decoded(raw), deps);
}

const OP = { RegionId: 'cn-hangzhou', BaseImageType: 'IMAGE', BaseImage: 'm-x', BuildContent: 'RUN echo "a b" && exit 0', 'Tag.1.Key': 'env' };

// ---------------------------------------------------------------------------------------------
// aliyun CLI (alibaba-cloud-sdk-go): all params in the query, encoded by url.Values.Encode
// (space as '+'), with SignatureType="" signed, and RegionId added.
// ---------------------------------------------------------------------------------------------
test('CLI style: V1 GET with an empty SignatureType signed, Go encoding (+ for space)', async () => {
  const params = { ...v1Common('CreateImagePipeline', NOW, 'cli-nonce-1'), SignatureType: '', ...OP };
  const raw = signedV1Get(params);
  assert.ok(raw.rawQuery.includes('SignatureType=&'));
  assert.ok(raw.rawQuery.includes('BuildContent=RUN+echo+%22a+b%22+%26%26+exit+0'));
  assert.deepEqual(await auth(raw), PRINCIPAL);
});

test('CLI style: a signature that left the empty SignatureType out does not verify', async () => {
  const params = { ...v1Common('CreateImagePipeline', NOW, 'cli-nonce-2'), ...OP };
  const signature = signV1('GET', params, TEST_SECRET);
  const rawQuery = goValuesEncode({ ...params, SignatureType: '', Signature: signature });
  await assert.rejects(auth({ method: 'GET', path: '/', rawQuery, headers: {}, body: Buffer.alloc(0) }), { code: 'SignatureDoesNotMatch' });
});

test('CLI style with --method POST: the same query, empty body', async () => {
  const params = { ...v1Common('DescribeImagePipelines', NOW, 'cli-nonce-3'), SignatureType: '', RegionId: 'cn-hangzhou' };
  const rawQuery = goValuesEncode({ ...params, Signature: signV1('POST', params, TEST_SECRET) });
  assert.deepEqual(await auth({ method: 'POST', path: '/', rawQuery, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.alloc(0) }), PRINCIPAL);
});

// ---------------------------------------------------------------------------------------------
// Terraform (tea-rpc RpcPost): common params in the query, operation params in a form body.
// ---------------------------------------------------------------------------------------------
function teaRpc(signedOver: 'union' | 'query', nonce: string, formOverride: Record<string, string> = {}): RawRequest {
  const common = v1Common('CreateImagePipeline', NOW, nonce);
  const op = { ...OP, ClientToken: 'tf-token-1' };
  const signature = signV1('POST', signedOver === 'union' ? { ...common, ...op } : common, TEST_SECRET);
  return {
    method: 'POST',
    path: '/',
    rawQuery: goValuesEncode({ ...common, Signature: signature }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-acs-action': 'CreateImagePipeline' },
    body: Buffer.from(goValuesEncode({ ...op, ...formOverride })),
  };
}

test('Terraform / tea-rpc style: V1 over query ∪ form body', async () => {
  const raw = teaRpc('union', 'tf-nonce-1');
  const d = decoded(raw);
  assert.equal(d.params.BuildContent, OP.BuildContent);
  assert.equal(d.params.Action, 'CreateImagePipeline');
  assert.deepEqual(await authenticate(d, testDeps()), PRINCIPAL);
});

test('old tea-rpc style: V1 over the query only, form body unsigned — SignatureDoesNotMatch, saying why', async () => {
  await assert.rejects(auth(teaRpc('query', 'tf-nonce-2')), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'SignatureDoesNotMatch');
    assert.match(e.message, /covers the query string only/);
    assert.match(e.message, /server string to sign is:POST&%2F&/);
    return true;
  });
});

test('an unsigned form body cannot add parameters to a V1 request signed over its query', async () => {
  const common = v1Common('ModifyImageSharePermission', NOW, 'tf-nonce-3');
  const signed = { ...common, RegionId: 'cn-hangzhou', ImageId: 'm-1', 'AddAccount.1': '1111111111111111' };
  const raw: RawRequest = {
    method: 'POST',
    path: '/',
    rawQuery: goValuesEncode({ ...signed, Signature: signV1('POST', signed, TEST_SECRET) }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(goValuesEncode({ 'AddAccount.2': '2222222222222222' })),
  };
  await assert.rejects(auth(raw), { code: 'SignatureDoesNotMatch' });
  // The same query without the body is the request that was signed.
  assert.deepEqual(await auth({ ...raw, body: Buffer.alloc(0) }), PRINCIPAL);
});

test('query-only signature with a form value overriding a signed query value is refused', async () => {
  const raw = teaRpc('query', 'tf-nonce-4', { Action: 'DeleteImagePipeline' });
  delete raw.headers['x-acs-action']; // (with it, decoding already refuses the disagreement)
  await assert.rejects(auth(raw), { code: 'SignatureDoesNotMatch' });
});

test('query-only signature whose Action is only in the unsigned form is refused', async () => {
  const common = v1Common('CreateImagePipeline', NOW, 'tf-nonce-5');
  const { Action: _omit, ...commonWithoutAction } = common;
  const signature = signV1('POST', commonWithoutAction, TEST_SECRET);
  const raw: RawRequest = {
    method: 'POST',
    path: '/',
    rawQuery: goValuesEncode({ ...commonWithoutAction, Signature: signature }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.from(goValuesEncode({ Action: 'DeleteImagePipeline', ImagePipelineId: 'ip-1' })),
  };
  await assert.rejects(auth(raw), { code: 'SignatureDoesNotMatch' });
});

// ---------------------------------------------------------------------------------------------
// Scheme selection and missing pieces
// ---------------------------------------------------------------------------------------------
test('no signature at all: MissingParameter.Signature', async () => {
  await assert.rejects(auth({ method: 'GET', path: '/', rawQuery: 'Action=DescribeImagePipelines', headers: {}, body: Buffer.alloc(0) }), {
    code: 'MissingParameter.Signature',
  });
});

test('a non-ACS3 Authorization header without a Signature parameter: IncompleteSignature', async () => {
  await assert.rejects(auth({ method: 'GET', path: '/', rawQuery: '', headers: { authorization: 'acs ak:sig' }, body: Buffer.alloc(0) }), {
    code: 'IncompleteSignature',
  });
});

test('V1 missing pieces are MissingParameter.<Name>', async () => {
  for (const name of ['AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'Timestamp', 'SignatureNonce', 'Action', 'Version']) {
    const params: Record<string, string> = { ...v1Common('DescribeImagePipelines', NOW, `miss-${name}`), RegionId: 'cn-hangzhou' };
    delete params[name];
    const raw = signedV1Get(params);
    if (name === 'Action') raw.headers['x-acs-action'] = 'DescribeImagePipelines';
    if (name === 'Version') raw.headers['x-acs-version'] = '2014-05-26';
    await assert.rejects(auth(raw), { code: `MissingParameter.${name}` }, name);
  }
});

test('V1 with an unsupported SignatureMethod, SignatureVersion or SignatureType: IncompleteSignature', async () => {
  for (const [k, v] of [['SignatureMethod', 'HMAC-SHA256'], ['SignatureVersion', '2.0'], ['SignatureType', 'BEARERTOKEN']] as const) {
    const raw = signedV1Get({ ...v1Common('DescribeImagePipelines', NOW, `bad-${k}`), RegionId: 'cn-hangzhou', [k]: v });
    await assert.rejects(auth(raw), { code: 'IncompleteSignature' }, k);
  }
});

test('V1 timestamps: fractional seconds accepted; other shapes are InvalidTimeStamp.Format', async () => {
  const ok = signedV1Get({ ...v1Common('DescribeImagePipelines', NOW, 'ts-ok'), Timestamp: '2026-11-29T07:13:06.123Z' });
  assert.deepEqual(await auth(ok), PRINCIPAL);
  for (const ts of ['2026-11-29 07:13:06', '2026-11-29T07:13:06', '2026-11-29T07:13:06+08:00', '1796000000', '2026-02-30T07:13:06Z', '2026-11-29T24:00:00Z']) {
    const raw = signedV1Get({ ...v1Common('DescribeImagePipelines', NOW, `ts-${ts}`), Timestamp: ts });
    await assert.rejects(auth(raw), { code: 'InvalidTimeStamp.Format', message: 'Specified time stamp or date value is not well formatted.' }, ts);
  }
});

test('unknown access key: InvalidAccessKeyId.NotFound; disabled key: InvalidAccessKeyId.Inactive', async () => {
  const raw = signedV1Get({ ...v1Common('DescribeImagePipelines', NOW, 'ak-1'), AccessKeyId: 'nobody' });
  await assert.rejects(auth(raw), { code: 'InvalidAccessKeyId.NotFound', message: 'Specified access key is not found.' });
  const inactive = testDeps({ keys: { [TEST_AK]: { secret: TEST_SECRET, accountId: TEST_ACCOUNT, status: 'Inactive' } } });
  await assert.rejects(auth(signedV1Get(v1Common('DescribeImagePipelines', NOW, 'ak-2')), inactive), { code: 'InvalidAccessKeyId.Inactive' });
  const v3 = signedV3Post({ action: 'DescribeImagePipelines', query: { RegionId: 'cn-hangzhou' }, date: '2026-11-29T07:13:06Z', nonce: 'ak-3', accessKeyId: 'nobody' });
  await assert.rejects(auth(v3), { code: 'InvalidAccessKeyId.NotFound' });
});

test('the same nonce is free for another access key', async () => {
  const deps = testDeps({
    keys: {
      [TEST_AK]: { secret: TEST_SECRET, accountId: TEST_ACCOUNT, status: 'Active' },
      other: { secret: 'other-secret', accountId: '999', status: 'Active' },
    },
  });
  await auth(signedV1Get(v1Common('DescribeImagePipelines', NOW, 'shared')), deps);
  const other = { ...v1Common('DescribeImagePipelines', NOW, 'shared'), AccessKeyId: 'other' };
  assert.deepEqual(await auth(signedV1Get(other, 'other-secret'), deps), { accountId: '999', accessKeyId: 'other' });
});

// ---------------------------------------------------------------------------------------------
// V3 specifics
// ---------------------------------------------------------------------------------------------
const V3_BASE = { action: 'DescribeImagePipelines', query: { RegionId: 'cn-hangzhou', 'ImagePipelineId.1': 'ip-1' }, date: '2026-11-29T07:13:06Z' };

test('V3 signed by our own client is accepted, including a form body with signed content-type', async () => {
  assert.deepEqual(await auth(signedV3Post({ ...V3_BASE, nonce: 'v3-1' })), PRINCIPAL);
  const withForm = signedV3Post({ ...V3_BASE, nonce: 'v3-2', body: 'Name=a+b', contentType: 'application/x-www-form-urlencoded' });
  const d = decoded(withForm);
  assert.equal(d.params.Name, 'a b');
  assert.deepEqual(await authenticate(d, testDeps()), PRINCIPAL);
});

test('V3 missing x-acs-date or x-acs-signature-nonce: MissingParameter', async () => {
  const noDate = signedV3Post({ ...V3_BASE, nonce: 'v3-3' });
  delete noDate.headers['x-acs-date'];
  await assert.rejects(auth(noDate), { code: 'MissingParameter.x-acs-date' });
  const noNonce = signedV3Post({ ...V3_BASE, nonce: 'v3-4' });
  delete noNonce.headers['x-acs-signature-nonce'];
  await assert.rejects(auth(noNonce), { code: 'MissingParameter.x-acs-signature-nonce' });
});

test('V3 headers that decide the meaning must be signed: IncompleteSignature', async () => {
  for (const h of ['x-acs-action', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version', 'x-acs-content-sha256']) {
    await assert.rejects(auth(signedV3Post({ ...V3_BASE, nonce: `v3-unsigned-${h}`, unsigned: [h] })), { code: 'IncompleteSignature' }, h);
  }
});

test('V3: a body other than the one whose digest was signed is refused (x-acs-content-sha256 is checked)', async () => {
  const signed = signedV3Post({ ...V3_BASE, nonce: 'v3-body-1', body: 'Name=a', contentType: 'application/x-www-form-urlencoded' });
  const swapped = { ...signed, body: Buffer.from('Name=a&Description=unsigned') };
  await assert.rejects(auth(swapped), { code: 'SignatureDoesNotMatch', message: /x-acs-content-sha256/ });
  // An empty signed body cannot grow a form body either.
  const empty = signedV3Post({ ...V3_BASE, nonce: 'v3-body-2', contentType: 'application/x-www-form-urlencoded' });
  await assert.rejects(auth({ ...empty, body: Buffer.from('Description=unsigned') }), { code: 'SignatureDoesNotMatch' });
  // Nor can an unsigned content-type turn a signed body into form parameters.
  const json = signedV3Post({ ...V3_BASE, nonce: 'v3-body-3', body: 'Description=x', contentType: 'text/plain', unsigned: [] });
  const retyped = { ...json, headers: { ...json.headers, 'content-type': 'application/x-www-form-urlencoded' } };
  await assert.rejects(auth(retyped), { code: 'SignatureDoesNotMatch' });
});

test('V3 without x-acs-content-sha256: the digest of the body received is what must have been signed', async () => {
  const body = Buffer.from('Name=a');
  const headers: Record<string, string> = {
    host: 'localhost:8080',
    'x-acs-action': 'DescribeImagePipelines',
    'x-acs-version': '2014-05-26',
    'x-acs-date': V3_BASE.date,
    'x-acs-signature-nonce': 'v3-body-4',
    'content-type': 'application/x-www-form-urlencoded',
  };
  const signedHeaders = Object.keys(headers).sort();
  const query = Object.entries(V3_BASE.query);
  headers.authorization = v3Authorization('ACS3-HMAC-SHA256', TEST_AK, TEST_SECRET, {
    method: 'POST', path: '/', query, headers, signedHeaders, hashedPayload: v3PayloadHash('ACS3-HMAC-SHA256', body),
  });
  const rawQuery = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const raw: RawRequest = { method: 'POST', path: '/', rawQuery, headers, body };
  await assert.rejects(auth({ ...raw, body: Buffer.from('Name=a&Description=unsigned') }), { code: 'SignatureDoesNotMatch' });
  assert.deepEqual(await auth(raw), PRINCIPAL);
});

test('V3 x-acs-date: fractional seconds accepted, bad format and expiry refused', async () => {
  assert.deepEqual(await auth(signedV3Post({ ...V3_BASE, date: '2026-11-29T07:13:06.5Z', nonce: 'v3-5' })), PRINCIPAL);
  await assert.rejects(auth(signedV3Post({ ...V3_BASE, date: 'Sun, 29 Nov 2026 07:13:06 GMT', nonce: 'v3-6' })), { code: 'InvalidTimeStamp.Format' });
  await assert.rejects(auth(signedV3Post({ ...V3_BASE, date: '2026-11-29T06:58:05Z', nonce: 'v3-7' })), { code: 'InvalidTimeStamp.Expired' });
});

test('V3 nonce reuse: SignatureNonceUsed; a wrong secret does not burn the nonce', async () => {
  const deps = testDeps();
  const forged = signedV3Post({ ...V3_BASE, nonce: 'v3-8', secret: 'wrong' });
  await assert.rejects(auth(forged, deps), { code: 'SignatureDoesNotMatch' });
  await auth(signedV3Post({ ...V3_BASE, nonce: 'v3-8' }), deps);
  await assert.rejects(auth(signedV3Post({ ...V3_BASE, nonce: 'v3-8' }), deps), { code: 'SignatureNonceUsed' });
});

test('V3 wins over a Signature parameter when both are present', async () => {
  const raw = signedV3Post({ ...V3_BASE, query: { ...V3_BASE.query, Signature: 'junk' }, nonce: 'v3-9' });
  assert.deepEqual(await auth(raw), PRINCIPAL);
});

test('a nonce outlives a future-dated request: it is kept until request time + 15 min', async () => {
  const deps = testDeps();
  const future = '2026-11-29T07:27:06Z'; // 14 minutes ahead of the server clock
  await auth(signedV3Post({ ...V3_BASE, date: future, nonce: 'v3-10' }), deps);
  const later = new Date(NOW.getTime() + 20 * 60_000); // request still within its window here
  await assert.rejects(auth(signedV3Post({ ...V3_BASE, date: future, nonce: 'v3-10' }), { ...deps, now: () => later }), { code: 'SignatureNonceUsed' });
});
