import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../support/child.js';

/*
 * Every command parses its flags with node:util parseArgs: an unknown flag, a flag without its
 * value or a stray argument is refused with the command's usage and exit code 2, before
 * anything is opened or started. A wrong setting exits 1 naming it.
 */

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-cli-flags-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const CASES: Array<{ args: string[]; message: RegExp; usage: string }> = [
  { args: ['serve', '--prot', '8080'], message: /^kiln serve: Unknown option '--prot'$/m, usage: 'usage: kiln serve' },
  { args: ['worker', 'now'], message: /^kiln worker: unexpected argument 'now'$/m, usage: 'usage: kiln worker' },
  { args: ['gc', '--grace', '0'], message: /^kiln gc: Unknown option '--grace'$/m, usage: 'usage: kiln gc [--grace-ms N] [--max-cache-bytes N]' },
  { args: ['gc', '--grace-ms'], message: /^kiln gc: Option '--grace-ms <value>' argument missing$/m, usage: 'usage: kiln gc' },
  { args: ['gc', '--max-cache-bytes', 'lots'], message: /^kiln gc: --max-cache-bytes needs a non-negative integer, got 'lots'$/m, usage: 'usage: kiln gc' },
  { args: ['images', 'import', 'rootfs.tar', '--name', 'n', '--regoin', 'cn-hangzhou'], message: /^kiln images import: Unknown option '--regoin'$/m, usage: 'usage: kiln images import <file> --name N' },
  { args: ['images', 'import', 'rootfs.tar'], message: /^kiln images import: a file and --name are required$/m, usage: 'usage: kiln images import' },
  { args: ['logs', '--tail', 'exec-1'], message: /^kiln logs: Unknown option '--tail'$/m, usage: 'usage: kiln logs [-f|--follow] <ExecutionId>' },
  { args: ['call', 'DescribeRegions', '--region', 'cn-hangzhou'], message: /^kiln call: Unknown option '--region'$/m, usage: 'usage: kiln call <Action> [Name=value ...]' },
  { args: ['accounts', 'create', '--nmae', 'x'], message: /^kiln accounts create: Unknown option '--nmae'$/m, usage: 'usage: kiln accounts create [--name N]' },
  { args: ['accounts', 'list', '--all'], message: /^kiln accounts list: Unknown option '--all'$/m, usage: 'usage: kiln accounts list' },
  { args: ['keys', 'create', '--acount', '1'], message: /^kiln keys create: Unknown option '--acount'$/m, usage: 'usage: kiln keys create --account ID' },
];

test('an unknown flag, a missing value or a stray argument: exit 2 with the message and usage, nothing opened', async () => {
  const env = { KILN_DATA_DIR: join(dir, 'data'), KILN_PORT: '0' };
  const results = await Promise.all(CASES.map((c) => runCli(c.args, env)));
  CASES.forEach((c, i) => {
    const r = results[i]!;
    const what = `kiln ${c.args.join(' ')}: ${r.stderr}`;
    assert.equal(r.code, 2, what);
    assert.match(r.stderr, c.message, what);
    assert.ok(r.stderr.includes(c.usage), what);
    assert.equal(r.stdout, '', what);
  });
  // Nothing was started or opened: not even the data dir was made.
  assert.throws(() => rmSync(join(dir, 'data')), { code: 'ENOENT' });
});

test('a wrong setting stops `kiln serve` with exit 1, naming the variable', async () => {
  const r = await runCli(['serve'], { KILN_DATA_DIR: join(dir, 'data'), KILN_LEASE_MS: '0' });
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim(), 'kiln: KILN_LEASE_MS must be a positive integer (1 or more), got "0"');
});
