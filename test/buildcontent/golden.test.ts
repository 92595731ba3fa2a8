/**
 * Golden tests for parseContent (see golden/README.md for the layout).
 *
 * - golden/valid/<name>.txt → golden/valid/<name>.json, the pretty-printed parse result.
 *   The content kind comes from the name: `test-…` is TestContent, `component-windows-…`
 *   a Windows component, `component-…` a Linux component, anything else BuildContent.
 * - golden/invalid/<name>.txt with <name>.expect.json = { kind, code, line, systemType? }:
 *   parsing must throw that code, with a message starting `line <line>:`.
 *
 * `UPDATE_GOLDEN=1` rewrites the valid .json files from the current parser; review the diff.
 * Cases too big or too regular to commit (size and count limits, every unsupported Docker
 * keyword) are generated below.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SystemType } from '../../src/domain/component.js';
import { isKilnError } from '../../src/domain/errors.js';
import { parseContent, type ContentKind } from '../../src/domain/buildcontent/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const VALID = join(here, 'golden', 'valid');
const INVALID = join(here, 'golden', 'invalid');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

interface Expectation {
  kind: ContentKind;
  code: string;
  line: number;
  systemType?: SystemType;
}

function kindFromName(name: string): { kind: ContentKind; systemType?: SystemType } {
  if (name.startsWith('test-')) return { kind: 'test' };
  if (name.startsWith('component-windows-')) return { kind: 'component', systemType: 'Windows' };
  if (name.startsWith('component-')) return { kind: 'component', systemType: 'Linux' };
  return { kind: 'build' };
}

function casesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => f.slice(0, -'.txt'.length))
    .sort();
}

/** Asserts that parsing throws `code` with a message starting `line <line>:`. */
function assertRejects(text: string, kind: ContentKind, code: string, line: number, systemType?: SystemType): void {
  assert.throws(
    () => parseContent(text, kind, systemType),
    (e: unknown) => {
      assert.ok(isKilnError(e), `expected a KilnError, got ${String(e)}`);
      assert.equal(e.code, code, `code (message: ${e.message})`);
      assert.ok(e.message.startsWith(`line ${line}: `), `message should start "line ${line}: ", got: ${e.message}`);
      return true;
    },
  );
}

describe('valid golden files', () => {
  for (const name of casesIn(VALID)) {
    test(name, () => {
      const { kind, systemType } = kindFromName(name);
      const text = readFileSync(join(VALID, `${name}.txt`), 'utf8');
      const actual = `${JSON.stringify(parseContent(text, kind, systemType), null, 2)}\n`;
      const goldenPath = join(VALID, `${name}.json`);
      if (UPDATE) writeFileSync(goldenPath, actual);
      assert.equal(actual, readFileSync(goldenPath, 'utf8'));
    });

    // Every valid file must mean the same with Windows line ends (line numbers included).
    test(`${name} (CRLF)`, () => {
      const { kind, systemType } = kindFromName(name);
      const text = readFileSync(join(VALID, `${name}.txt`), 'utf8');
      const crlf = text.replace(/\r?\n/g, '\r\n');
      assert.deepEqual(parseContent(crlf, kind, systemType), parseContent(text, kind, systemType));
    });
  }
});

describe('invalid golden files', () => {
  for (const name of casesIn(INVALID)) {
    test(name, () => {
      const expect = JSON.parse(readFileSync(join(INVALID, `${name}.expect.json`), 'utf8')) as Expectation;
      const text = readFileSync(join(INVALID, `${name}.txt`), 'utf8');
      assertRejects(text, expect.kind, expect.code, expect.line, expect.systemType);
    });
  }

  test('every invalid case has an expectation and vice versa', () => {
    const expectations = readdirSync(INVALID)
      .filter((f) => f.endsWith('.expect.json'))
      .map((f) => f.slice(0, -'.expect.json'.length))
      .sort();
    assert.deepEqual(expectations, casesIn(INVALID));
  });
});

describe('generated limits', () => {
  const LIMIT = 16 * 1024;
  const fill = (bytes: number): string => `RUN echo ${'x'.repeat(bytes - 'RUN echo '.length)}`;

  test('exactly 16 KB is accepted', () => {
    const text = fill(LIMIT);
    assert.equal(Buffer.byteLength(text), LIMIT);
    assert.equal(parseContent(text, 'build').format, 'dockerfile');
  });

  for (const [kind, code] of [
    ['build', 'InvalidBuildContent.LengthExceeded'],
    ['test', 'InvalidParameter.TestContent'],
    ['component', 'InvalidContent.LengthExceeded'],
  ] as const) {
    test(`16 KB + 1 byte in ${kind} content → ${code}`, () => {
      assertRejects(fill(LIMIT + 1), kind, code, 1);
    });
  }

  test('the limit is in UTF-8 bytes, and the error names the line holding byte 16385', () => {
    // 3 short lines, then a line of 3-byte characters that crosses the limit.
    const head = 'RUN a\nRUN b\nRUN c\n';
    const text = `${head}RUN echo ${'€'.repeat(Math.ceil(LIMIT / 3))}\nRUN d\n`;
    assert.ok(text.length < LIMIT * 2 && Buffer.byteLength(text) > LIMIT);
    assertRejects(text, 'build', 'InvalidBuildContent.LengthExceeded', 4);
    assertRejects(`RUN ${'é'.repeat(LIMIT / 2)}`, 'build', 'InvalidBuildContent.LengthExceeded', 1); // 8196 characters, 16388 bytes
  });

  test('127 commands are accepted, 128 are not (error on the 128th)', () => {
    const lines = (n: number): string => Array.from({ length: n }, (_, i) => `RUN echo ${i}`).join('\n');
    assert.equal(parseContent(lines(127), 'build').format, 'dockerfile');
    // Comments and continuations do not count, and the line is the 128th command's first line.
    const text = `# header\n${lines(127)}\nRUN echo \\\n  128`;
    assertRejects(text, 'build', 'InvalidImageTemplateCommandSize.ExceededMaxNumber', 129);
    assertRejects(lines(128), 'component', 'InvalidImageTemplateCommandSize.ExceededMaxNumber', 128);
  });

  test('128 YAML tasks are too many as well', () => {
    const task = (i: number): string => `  - Name: t${i}\n    Action: Reboot\n`;
    const yaml = (n: number): string => `Tasks:\n${Array.from({ length: n }, (_, i) => task(i)).join('')}`;
    assert.equal(parseContent(yaml(127), 'component').format, 'yaml');
    assertRejects(yaml(128), 'component', 'InvalidImageTemplateCommandSize.ExceededMaxNumber', 2 + 127 * 2);
  });

  for (const keyword of ['ADD', 'ARG', 'EXPOSE', 'VOLUME', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL', 'run', 'Run', 'MAINTAINER']) {
    test(`${keyword} is not supported`, () => {
      assertRejects(`RUN true\n\n${keyword} something`, 'build', 'InvalidImageTemplateCommand.NotSupported', 3);
    });
  }
});
