import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { functionLengths, longFiles, ROOT } from '../../scripts/architecture.js';

// The engine reads as a list of small steps (issue 13: `BuildEngine.run` was one 160-line
// procedure); a function past this length is a phase or a step that wants splitting.
const ENGINE_FUNCTION_MAX_LINES = 60;
// Small files with one concept each: past this, a file holds more than one.
const FILE_MAX_LINES = 400;

test(`no function in src/engine is longer than ${ENGINE_FUNCTION_MAX_LINES} lines`, () => {
  const long = functionLengths(join(ROOT, 'src', 'engine')).filter((f) => f.lines > ENGINE_FUNCTION_MAX_LINES);
  assert.deepEqual(long.map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`), []);
});

test('function lengths are measured (the check sees the engine)', () => {
  const all = functionLengths(join(ROOT, 'src', 'engine'));
  assert.ok(all.length > 100, `${all.length} functions found`);
  assert.ok(all.some((f) => f.name === 'run' && f.file.endsWith('engine.ts')), 'BuildEngine.run is measured');
});

test(`no TypeScript file in src, test, bench or scripts is longer than ${FILE_MAX_LINES} lines`, () => {
  const long = longFiles(['src', 'test', 'bench', 'scripts'].map((d) => join(ROOT, d)), FILE_MAX_LINES);
  assert.deepEqual(long.map((f) => `${f.file} (${f.lines} lines)`), []);
});

test('file lengths are measured (a lower bound finds files)', () => {
  assert.ok(longFiles([join(ROOT, 'src')], 100).length > 0, 'some src file is longer than 100 lines');
});
