// The whole test suite: starts a throwaway PostgreSQL cluster (installing PostgreSQL from
// Debian when the machine lacks it), runs every test file with Node's test runner
// (TypeScript through tsx), stops the cluster, and ends with `N passed, N failed`.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from './pg-cluster.mjs';
import './ensure-system-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (entry.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

const filter = process.argv.slice(2);
const files = findTests(join(root, 'test')).filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)));

const pg = await startPostgres();
let code = 1;
let passed = 0;
let failed = 0;
try {
  code = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, KILN_TEST_DATABASE_URL: pg.url },
    });
    // The runner's summary (`ℹ pass N`, `ℹ fail N`) may be followed by a long list of failures.
    let partial = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^ℹ (pass|fail) (\d+)$/.exec(line.trim());
        if (m) m[1] === 'pass' ? (passed = Number(m[2])) : (failed = Number(m[2]));
      }
    });
    child.on('close', (c) => resolve(c ?? 1));
  });
} finally {
  await pg.stop();
}
if (code !== 0 && failed === 0) failed = 1; // a crash outside any test still fails the run
console.log(`${passed} passed, ${failed} failed`);
process.exit(code === 0 && failed === 0 && passed > 0 ? 0 : 1);
