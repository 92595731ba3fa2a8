// The whole test suite: type-checks and lints the tree (a full run only), starts a throwaway
// PostgreSQL cluster (installing PostgreSQL from Debian when the machine lacks it), runs every
// test file with Node's test runner (TypeScript through tsx), stops the cluster, and ends with
// `N passed, N failed`. `node scripts/test.mjs <substring> ...` runs the matching files only.
// A run fails when a check fails, a test fails, is skipped or todo, a filter matches no file,
// or the run outlasts KILN_TEST_TIMEOUT_MS (default 60 minutes, below CI's 90).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from './pg-cluster.mjs';
import './ensure-system-deps.mjs';
import './ensure-test-deps.mjs';

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
const all = findTests(join(root, 'test'));
const unmatched = filter.filter((x) => !all.some((f) => f.includes(x)));
if (unmatched.length > 0) {
  console.error(`No test file matches ${unmatched.map((x) => JSON.stringify(x)).join(', ')}.`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const files = all.filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)));

// The type checker and the linter guard a full run (a filtered run is a developer's quick loop).
if (filter.length === 0) {
  for (const [name, cmd, args] of [
    ['type check', 'tsc', ['-p', '.', '--noEmit']],
    ['type check of the console', 'tsc', ['-p', 'console', '--noEmit']],
    ['lint', 'biome', ['lint', '--error-on-warnings']],
  ]) {
    const r = spawnSync(join(root, 'node_modules', '.bin', cmd), args, { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`The ${name} failed (\`${cmd} ${args.join(' ')}\`): no test was run.`);
      console.log('0 passed, 1 failed');
      process.exit(1);
    }
  }
  console.log('Type check and lint: clean.');
}

const timeoutMs = Number(process.env.KILN_TEST_TIMEOUT_MS ?? 3_600_000);

const pg = await startPostgres();
let code = 1;
let passed = 0;
let failed = 0;
let skipped = 0;
let todo = 0;
let timedOut = false;
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
        const m = /^ℹ (pass|fail|skipped|todo) (\d+)$/.exec(line.trim());
        if (m?.[1] === 'pass') passed = Number(m[2]);
        else if (m?.[1] === 'fail') failed = Number(m[2]);
        else if (m?.[1] === 'skipped') skipped = Number(m[2]);
        else if (m?.[1] === 'todo') todo = Number(m[2]);
      }
    });
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`The test run outlasted ${timeoutMs / 60_000} minutes (KILN_TEST_TIMEOUT_MS): stopped.`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
    }, timeoutMs);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve(c ?? 1);
    });
  });
} finally {
  await pg.stop();
}
// A skipped or todo test is not a passing one: the run fails and says so.
if (skipped + todo > 0) {
  console.error(`${skipped} skipped and ${todo} todo test(s): every test must run.`);
  failed += skipped + todo;
}
if (timedOut && failed === 0) failed = 1;
if (code !== 0 && failed === 0) failed = 1; // a crash outside any test still fails the run
console.log(`${passed} passed, ${failed} failed`);
process.exit(code === 0 && failed === 0 && passed > 0 ? 0 : 1);
