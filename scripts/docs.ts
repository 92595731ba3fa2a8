/*
 * The documents generated from Kiln's own declarations, written or checked in one go:
 *   docs/errors.md          from the error registry (src/domain/errors/)
 *   docs/operations.md      from the operation specs (src/api/operations/)
 *   README.md's Configuration table, from the settings schema (src/config/schema.ts)
 *   console/src/api/operations.generated.ts   the console's typed calls, from the operation specs
 *
 *   npm run docs            rewrite whichever is stale (`node --import tsx scripts/docs.ts --write`)
 *   ... scripts/docs.ts --check   exit 1 naming each one that is not the generated text
 * Tests (test/errors, test/api, test/config) check each of them too.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPERATIONS } from '../src/api/operations/registry.js';
import { consoleOperationTypes } from '../src/api/operations/spec/console-types.js';
import { operationsDoc } from '../src/api/operations/spec/doc.js';
import { withConfigTable } from '../src/config/doc.js';
import { errorsDoc } from '../src/domain/errors/doc.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A generated document: its file, and its whole generated text given the file's current text. */
interface GeneratedDoc {
  file: string;
  generate(current: string): string;
}

const DOCS: GeneratedDoc[] = [
  { file: 'docs/errors.md', generate: () => errorsDoc() },
  { file: 'docs/operations.md', generate: () => operationsDoc(OPERATIONS.values()) },
  { file: 'README.md', generate: (current) => withConfigTable(current) },
  { file: 'console/src/api/operations.generated.ts', generate: () => consoleOperationTypes(OPERATIONS.values()) },
];

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

const mode = process.argv[2];
if (mode !== '--write' && mode !== '--check') {
  console.error('usage: node --import tsx scripts/docs.ts --write | --check');
  process.exit(2);
}
let stale = 0;
for (const doc of DOCS) {
  const path = join(ROOT, doc.file);
  const current = read(path);
  const generated = doc.generate(current);
  if (generated === current) {
    console.log(`${doc.file}: up to date`);
  } else if (mode === '--write') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, generated);
    console.log(`${doc.file}: rewritten`);
  } else {
    stale++;
    console.error(`${doc.file}: not the generated text; run npm run docs`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
