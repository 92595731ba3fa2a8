import assert from 'node:assert/strict';
import { test } from 'node:test';
import { counted } from '../../console/src/components/count.js';

/* The console's counts ("1 line · live", "1,048,659 lines", "2 steps", "1 of 3 matches"). */

test('a count is singular for one only, with thousands separators', () => {
  assert.equal(counted(1, 'line'), '1 line');
  assert.equal(counted(0, 'line'), '0 lines');
  assert.equal(counted(1_048_659, 'line'), '1,048,659 lines');
  assert.equal(counted(1, 'match', 'matches'), '1 match');
  assert.equal(counted(2, 'match', 'matches'), '2 matches');
});
