import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentEncode } from '../../src/api/rpc/percent-encode.js';

test('unreserved characters are kept', () => {
  assert.equal(percentEncode('AZaz09-_.~'), 'AZaz09-_.~');
  assert.equal(percentEncode(''), '');
});

test('space is %20, never +', () => {
  assert.equal(percentEncode('a b'), 'a%20b');
  assert.equal(percentEncode('+'), '%2B');
});

test('* is %2A and ~ is kept', () => {
  assert.equal(percentEncode('*~'), '%2A~');
});

test("!'() are encoded, unlike encodeURIComponent", () => {
  assert.equal(percentEncode("!'()"), '%21%27%28%29');
});

test('reserved and non-ASCII characters use upper-case UTF-8 escapes', () => {
  assert.equal(percentEncode('/:=&?%'), '%2F%3A%3D%26%3F%25');
  assert.equal(percentEncode('ü'), '%C3%BC');
  assert.equal(percentEncode('中'), '%E4%B8%AD');
  assert.equal(percentEncode('😀'), '%F0%9F%98%80');
  assert.equal(percentEncode('\n'), '%0A');
});

test('the captured BuildContent line encodes as the pop-core client encoded it', () => {
  assert.equal(
    percentEncode('RUN echo 100% ~tilde* (paren) !bang +plus ü'),
    'RUN%20echo%20100%25%20~tilde%2A%20%28paren%29%20%21bang%20%2Bplus%20%C3%BC',
  );
});

test('a lone surrogate is encoded as U+FFFD instead of throwing', () => {
  assert.equal(percentEncode('a\uD800b'), 'a%EF%BF%BDb');
  assert.equal(percentEncode('\uDC00'), '%EF%BF%BD');
});
