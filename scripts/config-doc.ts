/*
 * The README's Configuration table, generated from the settings schema (src/config/schema.ts).
 *   node --import tsx scripts/config-doc.ts          print the table
 *   node --import tsx scripts/config-doc.ts --write  rewrite the table region of README.md
 *   node --import tsx scripts/config-doc.ts --check  exit 1 when README.md's table is not the generated one
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configTable, currentConfigTable, withConfigTable } from '../src/config/doc.js';

const README = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
const mode = process.argv[2];

if (mode === '--write') {
  const before = readFileSync(README, 'utf8');
  const after = withConfigTable(before);
  if (after !== before) writeFileSync(README, after);
  console.log(after === before ? 'README.md: the Configuration table is up to date' : 'README.md: the Configuration table was rewritten');
} else if (mode === '--check') {
  const ok = currentConfigTable(readFileSync(README, 'utf8')) === configTable();
  console.log(ok ? 'README.md: the Configuration table is up to date' : 'README.md: the Configuration table differs from the schema; run node --import tsx scripts/config-doc.ts --write');
  process.exitCode = ok ? 0 : 1;
} else if (mode === undefined) {
  console.log(configTable());
} else {
  console.error('usage: node --import tsx scripts/config-doc.ts [--write | --check]');
  process.exitCode = 2;
}
