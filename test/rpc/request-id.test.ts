import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRequestId } from '../../src/api/rpc/request-id.js';

test('RequestIds are upper-case UUIDs and unique', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    const id = newRequestId();
    assert.match(id, /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 10_000);
});
