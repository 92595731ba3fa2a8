import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OPERATIONS } from '../../src/api/operations/registry.js';
import { consoleOperationTypes } from '../../src/api/operations/spec/console-types.js';

/* console/src/api/operations.generated.ts is what the specs say: regenerate with npm run docs. */

test('the console\'s typed calls equal the types generated from the operation specs', () => {
  const onDisk = readFileSync(new URL('../../console/src/api/operations.generated.ts', import.meta.url), 'utf8');
  const generated = consoleOperationTypes(OPERATIONS.values());
  assert.equal(onDisk, generated, 'console/src/api/operations.generated.ts is stale: run npm run docs');
  for (const action of OPERATIONS.keys()) assert.match(generated, new RegExp(`^ {2}\\| '${action}'[;]?$`, 'm'), action);
  // Required scalars, enumerations, flat struct names, list and object-list patterns, wire types.
  assert.match(generated, /^ {2}CreateImagePipeline: \{\n {4}RegionId: string;\n {4}BaseImageType: 'IMAGE' \| 'IMAGE_FAMILY' \| 'OSS';$/m);
  assert.match(generated, /^ {4}'ImageOptions\.ImageName'\?: string;$/m);
  assert.match(generated, /^ {4}\[k: `Tag\.\$\{number\}\.Key`\]: string;$/m);
  assert.match(generated, /^ {4}\[k: `ToRegionId\.\$\{number\}`\]: string;$/m);
  assert.match(generated, /^ {4}SystemDiskSize\?: number \| string;$/m);
  assert.match(generated, /^ {4}DeleteInstanceOnFailure\?: boolean \| string;$/m);
});
