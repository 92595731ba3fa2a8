import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configuredRegion } from '../../src/cli/configured-region.js';
import { captured } from '../support/captured-output.js';

/* The region of a CLI command: the one asked for if KILN_REGIONS lists it, else the first; an unlisted one is named on stderr. */

const config = { regions: [{ regionId: 'cn-hangzhou' }, { regionId: 'cn-beijing' }] } as Parameters<typeof configuredRegion>[0];

test('the region asked for when configured, else the first configured', () => {
  assert.equal(configuredRegion(config, 'cn-beijing'), 'cn-beijing');
  assert.equal(configuredRegion(config, undefined), 'cn-hangzhou');
});

test('a region KILN_REGIONS does not list: undefined, and stderr says which', async () => {
  let region: string | undefined = 'unset';
  const out = await captured(async () => {
    region = configuredRegion(config, 'us-west-1');
    return 0;
  });
  assert.equal(region, undefined);
  assert.match(out.stderr, /^kiln: the region us-west-1 is not configured \(KILN_REGIONS\)\n$/);
});
