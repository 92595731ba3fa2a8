import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authenticate } from '../../src/api/rpc/authenticate.js';
import { decodeRequest } from '../../src/api/rpc/decode.js';
import { STRING_TO_SIGN_MARKER } from '../../src/api/rpc/protocol-errors.js';
import { v1StringToSign } from '../../src/api/rpc/signature-v1.js';
import type { RawRequest } from '../../src/api/rpc/raw-request.js';
import { KilnError } from '../../src/domain/errors.js';
import { CAPTURE_TIME, TEST_ACCOUNT, TEST_AK, decoded, loadFixtures, testDeps } from '../support/rpc-requests.js';

const fixtures = loadFixtures();
const byName = new Map(fixtures.map((f) => [f.name, f.raw]));
function fixture(name: string): RawRequest {
  const raw = byName.get(name);
  assert.ok(raw, name);
  return { ...raw, headers: { ...raw.headers }, body: Buffer.from(raw.body) };
}

test('every SCENARIO of the capture is a fixture', () => {
  assert.equal(fixtures.length, 22);
  assert.equal(fixtures.filter((f) => f.name.includes('-v3-')).length, 12);
  assert.equal(fixtures.filter((f) => f.name.includes('-v1-')).length, 10);
});

for (const { name, raw } of fixtures) {
  test(`captured request ${name} is accepted at the capture time`, async () => {
    const principal = await authenticate(decoded(raw), testDeps());
    assert.deepEqual(principal, { accountId: TEST_ACCOUNT, accessKeyId: TEST_AK });
  });
}

async function rejection(raw: RawRequest): Promise<KilnError> {
  try {
    await authenticate(decoded(raw), testDeps());
  } catch (e) {
    assert.ok(e instanceof KilnError, String(e));
    return e;
  }
  assert.fail('expected a rejection');
}

function stringToSignOf(err: KilnError): string {
  assert.equal(err.code, 'SignatureDoesNotMatch');
  const at = err.message.indexOf(STRING_TO_SIGN_MARKER);
  assert.ok(at > 0, err.message);
  return err.message.slice(at + STRING_TO_SIGN_MARKER.length);
}

test('V1 GET (pop-core) with a tampered query value: SignatureDoesNotMatch with the exact string to sign', async () => {
  const raw = fixture('15-popcore-v1-get-ok.http');
  raw.rawQuery = raw.rawQuery.replace('RegionId=cn-hangzhou', 'RegionId=cn-beijing');
  const err = await rejection(raw);
  const sts = stringToSignOf(err);
  assert.equal(sts, v1StringToSign('GET', decodeRequest(raw).query));
  assert.ok(sts.startsWith('GET&%2F&AccessKeyId%3DtestAccessKeyId%26Action%3DCreateImagePipeline'));
  assert.ok(sts.includes('RegionId%3Dcn-beijing'));
  assert.equal(err.message, `Specified signature is not matched with our calculation. server string to sign is:${sts}`);
});

test('V1 POST form (pop-core) with a tampered body value is rejected', async () => {
  const raw = fixture('14-popcore-v1-post-ok.http');
  raw.body = Buffer.from(raw.body.toString('utf8').replace('BaseImage=ubuntu_22_04', 'BaseImage=ubuntu_24_04'));
  const sts = stringToSignOf(await rejection(raw));
  assert.equal(sts, v1StringToSign('POST', decodeRequest(raw).form));
});

test('V1 (ecs20140526 v2) signed with another secret is rejected', async () => {
  const raw = fixture('02-ecs20140526-v1-post-ok.http');
  await assert.rejects(authenticate(decoded(raw), testDeps({ keys: { [TEST_AK]: { secret: 'other', accountId: '1', status: 'Active' } } })), {
    code: 'SignatureDoesNotMatch',
  });
});

test('V3 with a tampered query value: SignatureDoesNotMatch whose suffix is the ACS3 string to sign', async () => {
  const raw = fixture('01-ecs20140526-v3-post-ok.http');
  raw.rawQuery = raw.rawQuery.replace('RegionId=cn-hangzhou', 'RegionId=cn-beijing');
  const sts = stringToSignOf(await rejection(raw));
  assert.match(sts, /^ACS3-HMAC-SHA256\n[0-9a-f]{64}$/);
});

test('V3 with a tampered signed header is rejected', async () => {
  const raw = fixture('21-ecs20140526-v3-post-describe.http');
  raw.headers['x-acs-action'] = 'DeleteImagePipeline';
  assert.equal((await rejection(raw)).code, 'SignatureDoesNotMatch');
});

test('V3 whose body does not match x-acs-content-sha256 is rejected', async () => {
  const raw = fixture('01-ecs20140526-v3-post-ok.http');
  raw.body = Buffer.from('{"RegionId":"cn-beijing"}');
  const err = await rejection(raw);
  assert.equal(err.code, 'SignatureDoesNotMatch');
  assert.match(err.message, /x-acs-content-sha256/);
});

test('V3 with a form body added under an unsigned content-type is IncompleteSignature', async () => {
  const raw = fixture('01-ecs20140526-v3-post-ok.http');
  raw.body = Buffer.from('RegionId=cn-beijing');
  raw.headers['content-type'] = 'application/x-www-form-urlencoded';
  assert.equal((await rejection(raw)).code, 'IncompleteSignature');
});

test('captured requests are refused 15 minutes later or earlier (the window is exclusive), accepted a millisecond inside', async () => {
  for (const name of ['01-ecs20140526-v3-post-ok.http', '02-ecs20140526-v1-post-ok.http', '14-popcore-v1-post-ok.http']) {
    for (const offsetMs of [16 * 60_000, -16 * 60_000, 15 * 60_000, -15 * 60_000]) {
      const now = new Date(CAPTURE_TIME.getTime() + offsetMs);
      await assert.rejects(authenticate(decoded(fixture(name)), testDeps({ now: () => now })), {
        code: 'InvalidTimeStamp.Expired',
        message: 'Specified time stamp or date value is expired.',
      });
    }
    for (const offsetMs of [15 * 60_000 - 1, -15 * 60_000 + 1]) {
      const now = new Date(CAPTURE_TIME.getTime() + offsetMs);
      await authenticate(decoded(fixture(name)), testDeps({ now: () => now }));
    }
  }
});

test('replaying a captured request within the window: SignatureNonceUsed', async () => {
  for (const name of ['01-ecs20140526-v3-post-ok.http', '15-popcore-v1-get-ok.http']) {
    const deps = testDeps();
    await authenticate(decoded(fixture(name)), deps);
    await assert.rejects(authenticate(decoded(fixture(name)), deps), {
      code: 'SignatureNonceUsed',
      message: 'Specified signature nonce was used already.',
    });
  }
});

test('a forged copy does not burn the nonce of the genuine request', async () => {
  const deps = testDeps();
  const forged = fixture('15-popcore-v1-get-ok.http');
  forged.rawQuery = forged.rawQuery.replace('RegionId=cn-hangzhou', 'RegionId=cn-beijing');
  await assert.rejects(authenticate(decoded(forged), deps), { code: 'SignatureDoesNotMatch' });
  await authenticate(decoded(fixture('15-popcore-v1-get-ok.http')), deps);
});
