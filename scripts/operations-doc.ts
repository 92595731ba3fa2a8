/*
 * docs/operations.md, generated from the operation specs (src/api/operations/).
 *   node --import tsx scripts/operations-doc.ts          print it
 *   node --import tsx scripts/operations-doc.ts --write  rewrite docs/operations.md
 *   node --import tsx scripts/operations-doc.ts --check  exit 1 when docs/operations.md is not the generated text
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPERATIONS } from '../src/api/operations/registry.js';
import { operationsDoc } from '../src/api/operations/spec/doc.js';

const DOC = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'operations.md');
const mode = process.argv[2];
const generated = operationsDoc(OPERATIONS.values());
const current = (): string | undefined => {
  try {
    return readFileSync(DOC, 'utf8');
  } catch {
    return undefined;
  }
};

if (mode === '--write') {
  const same = current() === generated;
  if (!same) {
    mkdirSync(dirname(DOC), { recursive: true });
    writeFileSync(DOC, generated);
  }
  console.log(same ? 'docs/operations.md is up to date' : 'docs/operations.md was rewritten');
} else if (mode === '--check') {
  const ok = current() === generated;
  console.log(ok ? 'docs/operations.md is up to date' : 'docs/operations.md differs from the specs; run node --import tsx scripts/operations-doc.ts --write');
  process.exitCode = ok ? 0 : 1;
} else if (mode === undefined) {
  process.stdout.write(generated);
} else {
  console.error('usage: node --import tsx scripts/operations-doc.ts [--write | --check]');
  process.exitCode = 2;
}
