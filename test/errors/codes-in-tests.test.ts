import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_REGISTRY } from '../../src/domain/errors/registry.js';
import { readTree } from './scan.js';

/*
 * Every registry entry is produced by some test: a scan of test/ for each code as a quoted
 * string (an assertion on it, or the expected answer of a golden file). The registry's own
 * tests only list codes, so they do not count; test/errors/produces-*.test.ts produce the codes
 * no other suite reaches.
 */

const listing = (p: string) => p.startsWith('test/errors/') && !p.startsWith('test/errors/produces-');
const text = readTree('test', (p) => !listing(p)).map(([, t]) => t).join('\n');

function quoted(code: string): boolean {
  if (code.endsWith('.*')) return new RegExp(String.raw`['"\x60]${code.slice(0, -1).replaceAll('.', '\\.')}`).test(text);
  return new RegExp(String.raw`['"\x60]${code.replaceAll('.', '\\.')}['"\x60]`).test(text);
}

test('every registered code is produced by some test', () => {
  const untested = Object.keys(ERROR_REGISTRY).filter((code) => !quoted(code));
  assert.deepEqual(untested, [], 'produce these codes in a test (test/errors/produces-*.test.ts if no suite reaches them), or remove them if dead');
});
