import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_REGISTRY, errorSpec } from '../../src/domain/errors/registry.js';
import { readTree, scanCodes } from './scan.js';

/*
 * Every code Kiln can produce is in the registry: a static scan of src/ for code-like string
 * literals (dotted codes anywhere; undotted ones where an error is made, an ErrorCode written
 * or compared, a code constant defined) compared with the registry. The type checker already
 * refuses an unregistered literal passed to KilnError or StepFailure; this also catches codes
 * written as plain strings (an execution's errorCode, a constant, a comparison).
 */

/** Literals the scan finds that are not error codes, by the prefix or name that marks them. */
const NOT_CODES: { test: (s: string) => boolean; why: string }[] = [
  { test: (s) => /^[A-Z0-9_]+$/.test(s), why: 'errno names (ENOENT, EBUSY, …) and other all-caps words' },
  { test: (s) => /^(ImageOptions|ImportImageOptions|AdvancedOptions|Features|Filter|DiskDeviceMapping)\./.test(s), why: 'parameter names (ImageOptions.ImageName, Filter.N.Value, …)' },
  { test: (s) => s.startsWith('GUESTOS.'), why: 'repair items (RepairItem values)' },
  { test: (s) => s.startsWith('GNU.sparse.'), why: 'PAX header keys of sparse tar members' },
  { test: (s) => /^Aliyun\w*Role\w*$/.test(s), why: 'RAM role names of OSS grants' },
  { test: (s) => s === 'Success', why: 'the code a request that succeeded is counted and logged under (metrics, request log)' },
];

const files = readTree('src', (p) => p.endsWith('.ts') && !p.startsWith('src/domain/errors/'));
const found = scanCodes(files);
const keys = Object.keys(ERROR_REGISTRY);

test('the scan sees the codes of every layer (a scan that finds nothing proves nothing)', () => {
  const codes = new Set(found.map((f) => f.code));
  // API (domain, app), protocol (api), content, engine steps, worker, store, constants.
  for (const code of ['InvalidName.Malformed', 'InvalidImagePipeline.NotFound', 'SignatureDoesNotMatch', 'DuplicatedCommand.FROM',
    'BuildCommandFailed', 'WorkerLost', 'BuildTimeout', 'Store.Conflict', 'DistributionFailed', 'TaskOutputTooLarge', 'InternalError', 'MissingParameter.']) {
    assert.ok(codes.has(code), `${code} was not found in src/`);
  }
});

test('every code-like literal in src/ is registered (or a known non-code)', () => {
  const unregistered = found.filter((f) => {
    if (NOT_CODES.some((n) => n.test(f.code))) return false;
    if (f.kind === 'prefix') return !keys.some((k) => k.startsWith(f.code));
    return errorSpec(f.code) === undefined;
  });
  assert.deepEqual(unregistered.map((f) => `${f.code} (${f.file}:${f.line})`), [],
    'register these codes in src/domain/errors/ (or, if one is not an error code, add it to NOT_CODES)');
});

test('every family is used as one (a template literal with its prefix)', () => {
  for (const family of keys.filter((k) => k.endsWith('.*'))) {
    const prefix = family.slice(0, -1);
    assert.ok(found.some((f) => f.kind === 'prefix' && f.code === prefix), `${family}: no \`${prefix}\${…}\` in src/`);
  }
});

test('every registered code is written somewhere in src/ (no dead entries)', () => {
  const inSrc = new Set(found.map((f) => f.code));
  // Codes built from a template (`EmptyCommandContent.${keyword}`) count through their prefix.
  const prefixes = found.filter((f) => f.kind === 'prefix').map((f) => f.code);
  const dead = keys.filter((k) => !k.endsWith('.*') && !inSrc.has(k) && !prefixes.some((p) => k.startsWith(p)));
  assert.deepEqual(dead, []);
});
