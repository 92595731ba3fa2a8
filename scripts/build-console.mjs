// Builds the web console (console/ → dist/console/) with Vite when its sources, the Vite
// config or package-lock.json are newer than the last build. `npm start` and `npm test` run it
// (through ensure-deps.mjs), so the console `kiln serve` serves is always the checkout's own;
// nothing built is committed. `node scripts/build-console.mjs --force` rebuilds regardless.
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'console');
const out = join(root, 'dist', 'console');
const stamp = join(out, '.built');

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let n = st.mtimeMs;
  for (const entry of readdirSync(path)) n = Math.max(n, newest(join(path, entry)));
  return n;
}

export async function buildConsole({ force = false } = {}) {
  const inputs = Math.max(newest(source), statSync(join(root, 'package-lock.json')).mtimeMs);
  if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= inputs) return false;
  console.error('kiln: building the web console (console/ → dist/console/)…');
  const { build } = await import('vite');
  await build({ configFile: join(source, 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildConsole({ force: process.argv.includes('--force') });
}
