import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_REGISTRY } from '../../src/domain/errors/registry.js';
import { errorsDoc } from '../../src/domain/errors/doc.js';
import { ENGINE_ERROR_CLASSES } from '../../src/domain/errors/engine-errors.js';
import { ROOT } from './scan.js';

test('docs/errors.md is the text generated from the registry (npm run docs)', () => {
  assert.equal(readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8'), errorsDoc());
});

test('docs/errors.md lists every execution error code in its first table, and every code', () => {
  const doc = errorsDoc();
  const executionTable = doc.slice(doc.indexOf('## Execution error codes'), doc.indexOf('### How errors inside a build'));
  for (const [code, spec] of Object.entries(ERROR_REGISTRY as Record<string, { execution?: string }>)) {
    const shown = code.endsWith('.*') ? `\`${code.slice(0, -2)}.<Name>\`` : `\`${code}\``;
    assert.ok(doc.includes(`| ${shown} |`), `${code} is listed`);
    assert.equal(executionTable.includes(`| ${shown} |`), spec.execution !== undefined, `${code} in the execution table exactly when a build can end with it`);
  }
  for (const code of ['BuildCommandFailed', 'WorkerLost', 'BuildTimeout', 'DistributionFailed', 'LayerMissing', 'InternalError']) {
    assert.ok(executionTable.includes(`| \`${code}\` |`), code);
  }
});

test('the error classes docs/errors.md explains exist where it says', () => {
  for (const c of ENGINE_ERROR_CLASSES.filter((e) => e.where)) {
    assert.match(readFileSync(join(ROOT, c.where), 'utf8'), new RegExp(`export class ${c.name} extends `), `${c.name} in ${c.where}`);
  }
});
