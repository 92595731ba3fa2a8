import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, test } from 'node:test';
import { InMemoryNonceRegistry } from '../../src/api/rpc/nonce-registry.js';
import { REGION } from '../support/kiln.js';
import { kilnFixture, newAccessKey } from '../support/kiln-fixture.js';
import { rfc3986Encode, sendRaw, sendV3, signV1, signV3, v1CommonParams, type RawResponse } from '../support/wire.js';

/*
 * A nonce is remembered for the signature window, in the store and in a per-process memo, so
 * its size must be bounded: nothing limited it (a V1 `SignatureNonce` may fill a 1 MiB body,
 * a V3 `x-acs-signature-nonce` a 256 KiB header), and 1,500 claims of 1 MiB nonces kept 1.5 GB
 * in the memo. The SDKs send 32 (tea-util: MD5 hex), 36 (Java/Python UUIDs) or 64
 * (openapi-core: SHA-256 hex) characters; Kiln refuses more than 128 with InvalidParameter,
 * and its memo keeps a digest of the nonce, never the nonce.
 */

let creds: { accessKeyId: string; accessKeySecret: string };
const api = kilnFixture({}, async (kiln) => {
  creds = await newAccessKey(kiln);
});

/** A nonce of `length` characters, unique per call. */
function nonceOf(length: number): string {
  return randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
}

/** DescribeImagePipelines signed V1 with `nonce`; the parameters in a POST form body. */
function v1Describe(nonce: string): Promise<RawResponse> {
  const params = { ...v1CommonParams({ accessKeyId: creds.accessKeyId, action: 'DescribeImagePipelines', nonce }), RegionId: REGION };
  const body = rfc3986Encode({ ...params, Signature: signV1('POST', params, creds.accessKeySecret).signature });
  return sendRaw(api.kiln.endpoint, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
}

/** DescribeImagePipelines signed V3 with `nonce`. */
function v3Describe(nonce: string): Promise<RawResponse> {
  return sendV3(api.kiln.endpoint, signV3({
    accessKeyId: creds.accessKeyId, secret: creds.accessKeySecret, action: 'DescribeImagePipelines',
    host: new URL(api.kiln.endpoint).host, nonce, query: { RegionId: REGION },
  }));
}

function assertTooLong(res: RawResponse, name: string): void {
  assert.equal(res.status, 400, res.text.slice(0, 300));
  const body = res.json();
  assert.equal(body.Code, 'InvalidParameter', JSON.stringify(body).slice(0, 300));
  assert.match(String(body.Message), new RegExp(`"${name}".*128`));
}

describe('a signature nonce is at most 128 characters', () => {
  test('V1 SignatureNonce', async () => {
    const ok = await v1Describe(nonceOf(128));
    assert.equal(ok.status, 200, ok.text);
    assertTooLong(await v1Describe(nonceOf(129)), 'SignatureNonce');
    assertTooLong(await v1Describe(nonceOf(512 * 1024)), 'SignatureNonce');
  });

  test('V3 x-acs-signature-nonce', async () => {
    const ok = await v3Describe(nonceOf(128));
    assert.equal(ok.status, 200, ok.text);
    assertTooLong(await v3Describe(nonceOf(129)), 'x-acs-signature-nonce');
    assertTooLong(await v3Describe(nonceOf(128 * 1024)), 'x-acs-signature-nonce');
  });
});

test('the in-process nonce memo keeps a digest of each nonce, not the nonce', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const used = () => {
    gc();
    return getHeapStatistics().used_heap_size;
  };
  const memo = new InMemoryNonceRegistry();
  const now = new Date();
  const expiresAt = new Date(now.getTime() + 15 * 60_000);
  const before = used();
  // 64 nonces of 1 MiB (flat strings): kept, they would hold 64 MiB of the heap.
  for (let i = 0; i < 64; i++) assert.equal(memo.claim('ak', nonceOf(1024 * 1024), expiresAt, now), true);
  const grown = used() - before;
  assert.equal(memo.size, 64);
  assert.ok(grown < 8 * 1024 * 1024, `the memo grew the heap by ${(grown / 1024 / 1024).toFixed(1)} MiB for 64 records`);
});
