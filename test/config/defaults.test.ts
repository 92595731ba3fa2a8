import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_IMAGE_ALIASES, loadConfig } from '../../src/config/config.js';
import { SETTINGS } from '../../src/config/schema.js';
import { DEFAULT_REGIONS } from '../../src/domain/catalog/regions.js';
import { REPO_ROOT } from '../support/child.js';

/*
 * The defaults, as an empty environment gets them, and the schema as the one list of settings:
 * every `KILN_*` variable Kiln reads is in it, and nothing outside src/config reads one.
 */

describe('defaults', () => {
  test('an empty environment and no KILN_CONFIG give the documented defaults', () => {
    const c = loadConfig({});
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8080);
    assert.equal(c.dataDir, resolve('./data'));
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.accessKeyId, undefined);
    assert.equal(c.accessKeySecret, undefined);
    assert.deepEqual(c.regions, [...DEFAULT_REGIONS]);
    assert.equal(c.pipelineQuota, 100);
    assert.equal(c.componentQuota, 200);
    assert.equal(c.hostId, 'ecs.aliyuncs.com');
    assert.equal(c.logLevel, 'warn');
    assert.equal(c.workers, 1);
    assert.equal(c.leaseMs, 30_000);
    assert.deepEqual(c.imageAliases, DEFAULT_IMAGE_ALIASES);
    assert.equal(c.oss, undefined);
    assert.equal(c.cacheMaxBytes, 10 * 1024 ** 3);
    assert.equal(c.gcGraceMs, 600_000);
    assert.equal(c.gcIntervalMs, 300_000);
    assert.equal(c.accountImageBytesQuota, 20 * 1024 ** 3);
    assert.equal(c.accountCacheBytesQuota, 5 * 1024 ** 3);
    assert.deepEqual(c.accountStorageQuotas, {});
    assert.equal(c.accountMaxRunning, 2);
    assert.equal(c.buildTimeoutMs, 6 * 3_600_000);
    assert.equal(c.hostDiskAdmission, true);
    assert.equal(c.hostDiskReserveBytes, 5 * 1024 ** 3);
    assert.equal(c.hostDiskHoldAfter, 3);
    assert.equal(c.logMaxBytes, 16 * 1024 ** 2);
    assert.equal(c.taskOutputMaxBytes, 24 * 1024);
    assert.equal(c.logStreamsPerAccount, 16);
    assert.equal(c.logStreamIdleMs, 60_000);
    assert.deepEqual(c.networkAllow, []);
    assert.equal(c.instanceIdBase, 2 ** 31);
    assert.equal(c.instanceIdRanges, 4096);
  });

  test('the object store defaults apply once an endpoint is set', () => {
    const c = loadConfig({ KILN_OSS_ENDPOINT: 'http://s3:9000', KILN_OSS_ACCESS_KEY_ID: 'k', KILN_OSS_ACCESS_KEY_SECRET: 's' });
    assert.deepEqual({ ...c.oss, accounts: { ...c.oss?.accounts } }, {
      endpoint: 'http://s3:9000', accessKeyId: 'k', accessKeySecret: 's', region: 'us-east-1', pathStyle: true, accounts: {}, maxObjectBytes: 64 * 1024 ** 3,
    });
  });

  test('every setting has a default or says in words what its absence means, and a description', () => {
    for (const s of SETTINGS) {
      assert.ok(s.schema.default !== undefined || s.schema.docDefault, `${s.env}: no default and no docDefault`);
      assert.ok((s.schema.description ?? '').length > 10, `${s.env}: no description`);
    }
  });
});

describe('one schema for every KILN_* setting', () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir).flatMap((e) => {
      const p = join(dir, e);
      return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
    });

  test('no module outside src/config reads a KILN_* variable', () => {
    const readers = sources(join(REPO_ROOT, 'src')).filter((f) => !f.includes('/src/config/') && /process\.env\.KILN_|process\.env\[['"`]KILN_/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(readers, []);
  });

  test('every KILN_* variable src/ reads from an environment is a setting of the schema (or KILN_CONFIG itself)', () => {
    const known = new Set([...SETTINGS.map((s) => s.env), 'KILN_CONFIG']);
    const read = new Set<string>();
    for (const f of sources(join(REPO_ROOT, 'src'))) for (const m of readFileSync(f, 'utf8').matchAll(/\benv\??\.(KILN_\w+)|\benv\[['"`](KILN_\w+)/g)) read.add(m[1] ?? m[2]!);
    assert.ok(read.has('KILN_CONFIG'), 'the scan finds the reads it looks for');
    assert.deepEqual([...read].filter((n) => !known.has(n)), []);
  });

  test('each variable is KILN_ + its file key in upper snake case (oss.* as KILN_OSS_*)', () => {
    const byEnv = Object.fromEntries(SETTINGS.map((s) => [s.env, s.path.join('.')]));
    assert.equal(byEnv.KILN_LEASE_MS, 'leaseMs');
    assert.equal(byEnv.KILN_HOST_ID, 'hostId');
    assert.equal(byEnv.KILN_LOG_LEVEL, 'logLevel');
    assert.equal(byEnv.KILN_OSS_MAX_OBJECT_BYTES, 'oss.maxObjectBytes');
    assert.equal(byEnv.KILN_ACCOUNT_STORAGE_QUOTAS, 'accountStorageQuotas');
    assert.equal(new Set(SETTINGS.map((s) => s.env)).size, SETTINGS.length);
  });
});
