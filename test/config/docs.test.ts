import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { configTable, currentConfigTable } from '../../src/config/doc.js';
import { SETTINGS } from '../../src/config/schema.js';
import { REPO_ROOT, runCli } from '../support/child.js';

/* The README's Configuration table and `kiln --help` say what the schema says. */

test('the README Configuration table is the one generated from the schema (npm run docs)', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  assert.equal(currentConfigTable(readme), configTable());
});

test('the table has a row for every setting, with its variable, file key and default', () => {
  const table = configTable();
  for (const s of SETTINGS) {
    const row = table.split('\n').find((l) => l.startsWith(`| \`${s.env}\` |`));
    assert.ok(row, `no row for ${s.env}`);
    assert.ok(row.includes(`| \`${s.path.join('.')}\` |`), row);
  }
  assert.match(table, /^\| `KILN_PORT` \| `port` \| `8080` \| /m);
  assert.match(table, /^\| `KILN_LOG_LEVEL` \| `logLevel` \| `warn` \| /m);
  assert.match(table, /^\| `KILN_HOST_ID` \| `hostId` \| `ecs\.aliyuncs\.com` \| /m);
  assert.match(table, /^\| `KILN_CACHE_MAX_BYTES` \| `cacheMaxBytes` \| `10737418240` \(10 GiB\) \| /m);
});

test('`kiln --help` prints the commands and every setting with its default, and exits 0', async () => {
  const r = await runCli(['--help'], {});
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^usage: kiln <command>/);
  for (const s of SETTINGS) assert.match(r.stdout, new RegExp(`^  ${s.env} +\\S`, 'm'), `${s.env} is not in kiln --help`);
  assert.match(r.stdout, /^ {2}KILN_LOG_LEVEL +warn$/m);
  assert.match(r.stdout, /^ {2}KILN_CONFIG +/m);
});
