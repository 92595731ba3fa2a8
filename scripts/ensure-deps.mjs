// Installs the project's npm packages when they are missing or older than package-lock.json,
// so that `npm start`, `npm test` and `npm run bench` work on a fresh machine with only Node and npm.
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import './ensure-system-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const manifest = join(root, 'package.json');

const stale = !existsSync(marker)
  || statSync(marker).mtimeMs < statSync(lock).mtimeMs
  || statSync(marker).mtimeMs < statSync(manifest).mtimeMs;

if (stale) {
  console.error('kiln: installing npm packages (first run or package-lock.json changed)…');
  execSync('npm install --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}

// The web console is built from console/ (Vite) whenever its sources changed.
const { buildConsole } = await import('./build-console.mjs');
await buildConsole();
