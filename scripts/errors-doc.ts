/*
 * docs/errors.md, generated from the error registry (src/domain/errors/).
 *   node --import tsx scripts/errors-doc.ts          print it
 *   node --import tsx scripts/errors-doc.ts --write  rewrite docs/errors.md
 *   node --import tsx scripts/errors-doc.ts --check  exit 1 when docs/errors.md is not the generated text
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorsDoc } from '../src/domain/errors/doc.js';

const DOC = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'errors.md');
const mode = process.argv[2];
const generated = errorsDoc();
const current = (): string | undefined => {
  try {
    return readFileSync(DOC, 'utf8');
  } catch {
    return undefined;
  }
};

if (mode === '--write') {
  const same = current() === generated;
  if (!same) writeFileSync(DOC, generated);
  console.log(same ? 'docs/errors.md is up to date' : 'docs/errors.md was rewritten');
} else if (mode === '--check') {
  if (current() !== generated) {
    console.error('docs/errors.md is not the generated text: run node --import tsx scripts/errors-doc.ts --write');
    process.exit(1);
  }
} else {
  process.stdout.write(generated);
}
