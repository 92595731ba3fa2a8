import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../../src/app/app.js';
import { defineRegionalOperation } from '../../src/api/operations/operation.js';
import { int } from '../../src/api/operations/spec/build.js';
import { KilnError } from '../../src/domain/errors.js';

/*
 * A regional operation reads RegionId first: a missing or unknown region is the answer
 * whatever else is wrong (as when every handler began with its scope), and `run` gets the scope.
 */

const app = { regions: [{ regionId: 'cn-hangzhou', localName: '华东1（杭州）' }] } as unknown as App;
const op = defineRegionalOperation({
  action: 'Probe',
  summary: 'A probe.',
  params: { size: int('Size', { range: { min: 1, max: 2, violation: { error: () => new KilnError('InvalidParameter', 'Size is 1 or 2.') } } }) },
  async run({ scope, input }) {
    return { scope, input };
  },
});

async function code(params: Record<string, string>): Promise<string> {
  try {
    await op.handle({ app, accountId: 'acct', params });
  } catch (e) {
    assert.ok(e instanceof KilnError);
    return e.code;
  }
  return 'no error';
}

test('RegionId comes first in the spec, before the operation\'s own parameters', () => {
  assert.deepEqual(Object.keys(op.params), ['regionId', 'size']);
});

test('a missing or unknown RegionId is answered before any other parameter is checked', async () => {
  assert.equal(await code({ Size: '9' }), 'MissingParameter.RegionId');
  assert.equal(await code({ RegionId: 'xx-nowhere', Size: '9' }), 'InvalidRegionId.NotFound');
  assert.equal(await code({ RegionId: 'cn-hangzhou', Size: '9' }), 'InvalidParameter');
});

test('run gets the caller\'s scope and the input without RegionId', async () => {
  assert.deepEqual(await op.handle({ app, accountId: 'acct', params: { RegionId: 'cn-hangzhou', Size: '2' } }),
    { scope: { accountId: 'acct', regionId: 'cn-hangzhou' }, input: { size: 2 } });
});
