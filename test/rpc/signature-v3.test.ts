import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KilnError } from '../../src/domain/errors.js';
import {
  canonicalHeaderValue,
  parseV3Authorization,
  v3Authorization,
  v3CanonicalRequest,
  v3PayloadHash,
  v3Sign,
  v3StringToSign,
  verifyV3,
} from '../../src/api/rpc/signature-v3.js';

/*
 * OAPI vectors (@alicloud/openapi-core ts/test/util.spec.ts, getAuthorization). They sign a fresh
 * `new $dara.Request()`: in @darabonba/typescript 1.0.5 its constructor sets only `headers` and
 * `query`, so `method` and `pathname` are undefined. getAuthorization builds the canonical
 * request as `method + "\n" + (pathname || "") + …`, i.e. the text "undefined" and an empty URI.
 * Checked against the installed package: same outputs.
 */
const PAYLOAD = '55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23';

test('OAPI vector 1: query {test:"ok", empty:""}, headers x-acs-TEST/x-acs-test', () => {
  const auth = v3Authorization('ACS3-HMAC-SHA256', 'acesskey', 'secret', {
    method: 'undefined',
    path: '',
    query: [['test', 'ok'], ['empty', '']],
    // {"x-acs-TEST":"https","x-acs-test":"http"}: two headers with one lower-case name
    headers: { 'x-acs-test': ['https', 'http'] },
    signedHeaders: ['x-acs-test'],
    hashedPayload: PAYLOAD,
  });
  assert.equal(
    auth,
    'ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,Signature=0f2d549523cf082c83bb8135b5863614f7fe16ca7c2c7fc537e74d67374eeeac',
  );
});

test('OAPI vector 2: no query, no headers', () => {
  const auth = v3Authorization('ACS3-HMAC-SHA256', 'acesskey', 'secret', {
    method: 'undefined',
    path: '',
    query: [],
    headers: {},
    signedHeaders: [],
    hashedPayload: PAYLOAD,
  });
  assert.equal(auth, 'ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=,Signature=608b887e491f3e88e85276b188a4d24e29230a559464685ccbf2dcc458e1fde8');
});

test('canonical request layout: sorted query, empty value as key=, trimmed sorted header values', () => {
  const text = v3CanonicalRequest({
    method: 'POST',
    path: '/',
    query: [['b', 'x y'], ['a', ''], ['c', "!'()*~"]],
    headers: { host: ' h:1 ', 'x-acs-date': '2026-11-29T07:13:06Z', 'x-acs-dup': ['b', ' a '] },
    signedHeaders: ['host', 'x-acs-date', 'x-acs-dup'].sort(),
    hashedPayload: 'e3b0',
  });
  assert.equal(
    text,
    'POST\n/\na=&b=x%20y&c=%21%27%28%29%2A~\nhost:h:1\nx-acs-date:2026-11-29T07:13:06Z\nx-acs-dup:a,b\n\nhost;x-acs-date;x-acs-dup\ne3b0',
  );
});

test('a header value is trimmed of spaces and tabs only, not of U+00A0 or other white space', () => {
  assert.equal(canonicalHeaderValue(' \t n \t '), 'n');
  assert.equal(canonicalHeaderValue('n'), 'n');
  assert.equal(canonicalHeaderValue('   '), '');
  for (const kept of ['n\u00a0', '\u00a0n', 'n\u0085', 'n\u000b', 'n\f', '\ufeffn']) assert.equal(canonicalHeaderValue(kept), kept);
  assert.equal(canonicalHeaderValue(`a${' '.repeat(200_000)}b`).length, 200_002);
});

test('the empty body hashes to the well-known SHA-256', () => {
  assert.equal(v3PayloadHash('ACS3-HMAC-SHA256', Buffer.alloc(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('the string to sign is the algorithm and the hex digest of the canonical request', () => {
  const sts = v3StringToSign('ACS3-HMAC-SHA256', '');
  assert.equal(sts, 'ACS3-HMAC-SHA256\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.match(v3Sign('ACS3-HMAC-SHA256', sts, 'k'), /^[0-9a-f]{64}$/);
});

test('parseV3Authorization reads the three fields, lower-cases and sorts the header names', () => {
  const a = parseV3Authorization('ACS3-HMAC-SHA256 Credential=ak, SignedHeaders=x-acs-date;Host, Signature=ABCDEF');
  assert.deepEqual(a, { algorithm: 'ACS3-HMAC-SHA256', credential: 'ak', signedHeaders: ['host', 'x-acs-date'], signature: 'abcdef' });
  assert.deepEqual(parseV3Authorization('ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=,Signature=00').signedHeaders, []);
});

test('parseV3Authorization rejects malformed or unsupported values with IncompleteSignature', () => {
  for (const v of [
    'ACS3-HMAC-SHA256',
    'ACS3-HMAC-SHA256 Credential=ak,Signature=00',
    'ACS3-HMAC-SHA256 SignedHeaders=host,Signature=00',
    'ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host',
    'ACS3-RSA-SHA256 Credential=ak,SignedHeaders=host,Signature=00',
    'ACS3-HMAC-MD5 Credential=ak,SignedHeaders=host,Signature=00',
  ]) {
    assert.throws(() => parseV3Authorization(v), (e: unknown) => e instanceof KilnError && e.code === 'IncompleteSignature', v);
  }
});

test('verifyV3 accepts openapi-core style unencoded keys as well as encoded ones', () => {
  const canonical = { method: 'POST', path: '/', query: [['a b', 'v'] as [string, string]], headers: { host: 'h' }, hashedPayload: 'x' };
  for (const encodeKeys of [true, false]) {
    const authValue = v3Authorization('ACS3-HMAC-SHA256', 'ak', 's', { ...canonical, signedHeaders: ['host'], encodeKeys });
    assert.deepEqual(verifyV3(parseV3Authorization(authValue), canonical, 's'), { ok: true });
  }
});

test('verifyV3 reports the string to sign and canonical request on mismatch', () => {
  const canonical = { method: 'POST', path: '/', query: [], headers: { host: 'h' }, hashedPayload: 'x' };
  const r = verifyV3(parseV3Authorization('ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host,Signature=00'), canonical, 's');
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.canonicalRequest, 'POST\n/\n\nhost:h\n\nhost\nx');
    assert.equal(r.stringToSign, v3StringToSign('ACS3-HMAC-SHA256', r.canonicalRequest));
  }
});
