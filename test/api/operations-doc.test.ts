import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OPERATIONS } from '../../src/api/operations/registry.js';
import { operationsDoc } from '../../src/api/operations/spec/doc.js';

/* docs/operations.md is what the specs say: regenerate with npm run docs. */

test('docs/operations.md equals the documentation generated from the operation specs', () => {
  const onDisk = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
  assert.equal(onDisk, operationsDoc(OPERATIONS.values()), 'docs/operations.md is stale: run npm run docs');
});

test('every operation is documented with a table of its parameters', () => {
  const doc = operationsDoc(OPERATIONS.values());
  for (const action of OPERATIONS.keys()) assert.match(doc, new RegExp(`^## ${action}\\n\\n.+\\n\\n\\| Parameter \\|`, 'm'), action);
  assert.match(doc, /^\| `SystemDiskSize` \| integer \| no \| 20–500 \| `InvalidSystemDiskSize.NotSupportedValue` \|/m);
  assert.match(doc, /^\| `Tag.N` \| object list \| yes \| {2}\| `MissingParameter.Tag` \|/m);
});
