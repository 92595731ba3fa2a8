import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRequest, decodeComponent } from '../../src/api/rpc/decode.js';
import type { RawRequest } from '../../src/api/rpc/raw-request.js';
import { KilnError } from '../../src/domain/errors.js';
import { loadFixtures } from '../support/rpc-requests.js';

function raw(rawQuery: string, body = '', contentType?: string, headers: Record<string, string> = {}): RawRequest {
  return {
    method: body ? 'POST' : 'GET',
    path: '/',
    rawQuery,
    headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers },
    body: Buffer.from(body, 'utf8'),
  };
}

function assertInvalidParameter(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KilnError, `expected KilnError, got ${String(e)}`);
    assert.equal(e.code, 'InvalidParameter');
    assert.equal(e.fault, 'client');
    return true;
  });
}

test('query pairs keep wire order and repeats', () => {
  const d = decodeRequest(raw('b=2&a=1&b=3'));
  assert.deepEqual(d.query, [['b', '2'], ['a', '1'], ['b', '3']]);
  assert.equal(d.params.b, '3');
  assert.deepEqual(d.form, []);
});

test('empty segments are skipped; a key without = has an empty value', () => {
  const d = decodeRequest(raw('&&SignatureType=&Flag&a=1&'));
  assert.deepEqual(d.query, [['SignatureType', ''], ['Flag', ''], ['a', '1']]);
});

test('+ is a space and %2B a plus, in the query and in form bodies', () => {
  const d = decodeRequest(raw('a=x+y%2Bz', 'b=p+q%2Br&c=%20', 'application/x-www-form-urlencoded'));
  assert.equal(d.params.a, 'x y+z');
  assert.equal(d.params.b, 'p q+r');
  assert.equal(d.params.c, ' ');
});

test('form values win over query values; a key in both does not crash', () => {
  const d = decodeRequest(raw('RegionId=cn-hangzhou&Only=q', 'RegionId=cn-beijing&Other=f', 'application/x-www-form-urlencoded; charset=UTF-8'));
  assert.equal(d.params.RegionId, 'cn-beijing');
  assert.equal(d.params.Only, 'q');
  assert.equal(d.params.Other, 'f');
  assert.deepEqual(d.query[0], ['RegionId', 'cn-hangzhou']);
  assert.deepEqual(d.form[0], ['RegionId', 'cn-beijing']);
});

test('a body is read as a form only for application/x-www-form-urlencoded', () => {
  assert.deepEqual(decodeRequest(raw('', '{"a":1}', 'application/json')).form, []);
  assert.deepEqual(decodeRequest(raw('', 'a=1')).form, []);
  assert.deepEqual(decodeRequest(raw('', 'a=1', 'Application/X-WWW-Form-Urlencoded')).form, [['a', '1']]);
});

test('__proto__ and other prototype names are plain keys', () => {
  const d = decodeRequest(raw('__proto__=x&constructor=y&toString=z'));
  // biome-ignore lint/suspicious/noProto: the key a hostile query sends, read back as a plain own property
  assert.equal(d.params.__proto__, 'x');
  assert.equal(d.params.constructor, 'y');
  assert.equal(Object.getPrototypeOf(d.params), null);
  assert.equal(d.params.hasOwnProperty, undefined);
});

test('malformed percent-encoding is InvalidParameter (never a URIError)', () => {
  for (const q of ['a=%zz', 'a=%', 'a=%E0%A4%A', 'a=%C3', 'a=%FF', '%zz=1', 'a=100%']) {
    assertInvalidParameter(() => decodeRequest(raw(q)));
  }
  assertInvalidParameter(() => decodeRequest(raw('', 'a=%G1', 'application/x-www-form-urlencoded')));
  assertInvalidParameter(() => decodeComponent('%'));
});

test('a form body that is not UTF-8 is InvalidParameter', () => {
  const r = raw('', '', 'application/x-www-form-urlencoded');
  r.body = Buffer.from([0x61, 0x3d, 0xff, 0xfe]);
  assertInvalidParameter(() => decodeRequest(r));
});

test('raw UTF-8 in a form body is accepted', () => {
  assert.equal(decodeRequest(raw('', 'a=ü中', 'application/x-www-form-urlencoded')).params.a, 'ü中');
});

test('action and version come from the parameters, else from the x-acs headers', () => {
  const p = decodeRequest(raw('Action=DescribeImagePipelines&Version=2014-05-26'));
  assert.equal(p.action, 'DescribeImagePipelines');
  assert.equal(p.version, '2014-05-26');
  const h = decodeRequest(raw('RegionId=x', '', undefined, { 'x-acs-action': 'DeleteImagePipeline', 'x-acs-version': '2014-05-26' }));
  assert.equal(h.action, 'DeleteImagePipeline');
  assert.equal(h.version, '2014-05-26');
  const none = decodeRequest(raw(''));
  assert.equal(none.action, undefined);
  assert.equal(none.version, undefined);
});

test('an Action parameter that disagrees with x-acs-action is InvalidParameter', () => {
  assertInvalidParameter(() => decodeRequest(raw('Action=A', '', undefined, { 'x-acs-action': 'B' })));
  assertInvalidParameter(() => decodeRequest(raw('Version=1', '', undefined, { 'x-acs-version': '2' })));
  assert.equal(decodeRequest(raw('Action=A', '', undefined, { 'x-acs-action': 'A' })).action, 'A');
});

test('Format is case-insensitive and defaults to JSON', () => {
  assert.equal(decodeRequest(raw('Format=XML')).format, 'XML');
  assert.equal(decodeRequest(raw('Format=xml')).format, 'XML');
  assert.equal(decodeRequest(raw('Format=Xml')).format, 'XML');
  assert.equal(decodeRequest(raw('Format=json')).format, 'JSON');
  assert.equal(decodeRequest(raw('Format=yaml')).format, 'JSON');
  assert.equal(decodeRequest(raw('')).format, 'JSON');
  assert.equal(decodeRequest(raw('', 'Format=XML', 'application/x-www-form-urlencoded')).format, 'XML');
});

const CAPTURED_BUILD_CONTENT =
  'FROM IMAGE:ubuntu_22_04_x64_20G_alibase_20230515.vhd\nRUN apt-get update && echo "a b" > /tmp/x\n' +
  "ENV FOO=bar BAZ='q u'\nWORKDIR /opt/app\nCOPY ./a ./b\nUSER root\nRUN echo 100% ~tilde* (paren) !bang +plus ü";

test('captured requests decode to the values the capture lists', () => {
  const fixtures = new Map(loadFixtures().map((f) => [f.name, f.raw]));
  const v3 = decodeRequest(fixtures.get('01-ecs20140526-v3-post-ok.http') as RawRequest);
  assert.equal(v3.params.BuildContent, CAPTURED_BUILD_CONTENT);
  assert.equal(v3.params['Tag.2.Value'], 'a b');
  assert.equal(v3.query.length, 21);
  assert.equal(v3.action, 'CreateImagePipeline');
  assert.equal(v3.format, 'JSON');

  const pop = decodeRequest(fixtures.get('14-popcore-v1-post-ok.http') as RawRequest);
  assert.deepEqual(pop.query, []);
  assert.equal(pop.form.length, 22);
  assert.equal(pop.params.BuildContent, CAPTURED_BUILD_CONTENT);
  assert.equal(pop.params.Signature, 'VG3CtMs+vBoKtFzdDdUB/N6SbRY=');
  assert.equal(pop.params.ImageOptions, '[object Object]');
  assert.equal(pop.action, 'CreateImagePipeline');

  const v1 = decodeRequest(fixtures.get('02-ecs20140526-v1-post-ok.http') as RawRequest);
  assert.equal(v1.params.Timestamp, '2026-11-29T07:13:06Z');
  assert.equal(v1.params.Signature, 'nKLiYdt8AHnV5IzyegVdociRPo4=');
  assert.equal(v1.format, 'JSON');
});
