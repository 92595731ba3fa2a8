import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { SETTINGS } from '../../src/config/schema.js';

/*
 * A wrong setting stops the start with an error that names where it came from (the variable,
 * or the KILN_CONFIG file and key), the value given and what is expected.
 */

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-config-errors-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The message `loadConfig(env)` throws (fails the test when it does not throw). */
function errorOf(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail(`loadConfig(${JSON.stringify(env)}) accepted it`);
}

describe('the environment', () => {
  test('0 for a setting where 0 has no meaning', () => {
    assert.equal(errorOf({ KILN_LEASE_MS: '0' }), 'KILN_LEASE_MS must be a positive integer (1 or more), got "0"');
    assert.equal(errorOf({ KILN_PIPELINE_QUOTA: '0' }), 'KILN_PIPELINE_QUOTA must be a positive integer (1 or more), got "0"');
    assert.equal(errorOf({ KILN_TASK_OUTPUT_MAX_BYTES: '0' }), 'KILN_TASK_OUTPUT_MAX_BYTES must be an integer from 1 to 1048576, got "0"');
    // Past a year a session's end overflows a date: refused at start, not a 500 at each sign-in.
    assert.equal(errorOf({ KILN_CONSOLE_SESSION_MAX_SECONDS: '9000000000000' }), 'KILN_CONSOLE_SESSION_MAX_SECONDS must be an integer from 1 to 31536000, got "9000000000000"');
    assert.equal(errorOf({ KILN_INSTANCE_ID_RANGES: '0' }), 'KILN_INSTANCE_ID_RANGES must be an integer from 1 to 65535, got "0"');
  });

  test('not a number, a negative number, a fraction, past the range', () => {
    assert.equal(errorOf({ KILN_PORT: 'eighty' }), 'KILN_PORT must be an integer from 0 to 65535, got "eighty"');
    assert.equal(errorOf({ KILN_WORKERS: '-1' }), 'KILN_WORKERS must be a non-negative integer (0 or more), got "-1"');
    assert.equal(errorOf({ KILN_GC_GRACE_MS: '1.5' }), 'KILN_GC_GRACE_MS must be a non-negative integer (0 or more), got "1.5"');
    assert.equal(errorOf({ KILN_PORT: '65536' }), 'KILN_PORT must be an integer from 0 to 65535, got "65536"');
  });

  test('a flag that is not true or false, a level that is none of the levels, bad JSON', () => {
    assert.equal(errorOf({ KILN_HOST_DISK_ADMISSION: 'maybe' }), 'KILN_HOST_DISK_ADMISSION must be true or false, got "maybe"');
    assert.equal(errorOf({ KILN_LOG_LEVEL: 'loud' }), 'KILN_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"');
    assert.match(errorOf({ KILN_ACCOUNT_STORAGE_QUOTAS: '{1001:' }), /^KILN_ACCOUNT_STORAGE_QUOTAS is not valid JSON: /);
    assert.equal(
      errorOf({ KILN_ACCOUNT_STORAGE_QUOTAS: '{"1001":{"imageBytes":-1}}' }),
      'KILN_ACCOUNT_STORAGE_QUOTAS must be a JSON object of {"<AccountId>": {"imageBytes": n, "cacheBytes": n}} with non-negative integers, got "{"1001":{"imageBytes":-1}}" (at 1001.imageBytes: must be >= 0)',
    );
  });

  test('every mistake at once, one line each', () => {
    assert.deepEqual(errorOf({ KILN_PORT: 'x', KILN_LEASE_MS: '0' }).split('\n'), [
      'KILN_PORT must be an integer from 0 to 65535, got "x"',
      'KILN_LEASE_MS must be a positive integer (1 or more), got "0"',
    ]);
  });

  test('each integer setting takes 0 only where its description says what 0 means', () => {
    for (const spec of SETTINGS.filter((s) => s.schema.type === 'integer')) {
      const env = { [spec.env]: '0', ...(spec.path[0] === 'oss' ? { KILN_OSS_ENDPOINT: 'http://s3:9000', KILN_OSS_ACCESS_KEY_ID: 'k', KILN_OSS_ACCESS_KEY_SECRET: 's' } : {}) };
      const documented = /`0`:/.test(spec.schema.description ?? '');
      let accepted = true;
      try {
        loadConfig(env);
      } catch (err) {
        accepted = false;
        assert.match((err as Error).message, new RegExp(`^${spec.env} must be (a positive integer|an integer from 1 )`));
      }
      assert.equal(accepted, documented, `${spec.env}: 0 is ${accepted ? 'accepted' : 'refused'}, its description ${documented ? 'says' : 'does not say'} what 0 means`);
    }
  });
});

describe('the KILN_CONFIG file', () => {
  test('an unknown key, at the top or in "oss"', () => {
    const file = configFile('unknown.json', '{"prot": 8080, "oss": {"endpoint": "http://s3:9000", "bucket": "x"}}');
    const lines = errorOf({ KILN_CONFIG: file }).split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, new RegExp(`^KILN_CONFIG ${file}: prot is not a setting \\(the settings there: host, port, dataDir, `));
    assert.match(lines[1]!, new RegExp(`^KILN_CONFIG ${file}: oss\\.bucket is not a setting \\(the settings there: oss\\.endpoint, oss\\.accessKeyId, `));
  });

  test('a value of the wrong type or range', () => {
    const file = configFile('types.json', '{"port": "8080", "workers": 1.5, "hostDiskAdmission": "yes", "pipelineQuota": 0, "oss": {"maxObjectBytes": 0}}');
    assert.deepEqual(errorOf({ KILN_CONFIG: file }).split('\n'), [
      `KILN_CONFIG ${file}: port must be an integer from 0 to 65535, got "8080"`,
      `KILN_CONFIG ${file}: pipelineQuota must be a positive integer (1 or more), got 0`,
      `KILN_CONFIG ${file}: workers must be a non-negative integer (0 or more), got 1.5`,
      `KILN_CONFIG ${file}: oss.maxObjectBytes must be a positive integer (1 or more), got 0`,
      `KILN_CONFIG ${file}: hostDiskAdmission must be true or false, got "yes"`,
    ]);
  });

  test('a nested mistake names the entry', () => {
    const file = configFile('nested.json', '{"imageAliases": [{"pattern": "x_*"}]}');
    assert.equal(errorOf({ KILN_CONFIG: file }), `KILN_CONFIG ${file}: imageAliases must be a JSON list of {"pattern": "…", "image": "…"}, got [{"pattern":"x_*"}] (at 0: must have required property 'image')`);
    const grants = configFile('grants.json', '{"oss": {"endpoint": "http://s3:9000", "accessKeyId": "k", "accessKeySecret": "s", "accounts": {"1001": {"bucket": []}}}}');
    assert.equal(errorOf({ KILN_CONFIG: grants }), `KILN_CONFIG ${grants}: oss.accounts["1001"]: unknown field "bucket"`);
  });

  test('a file that is missing, unreadable, not JSON, or not an object', () => {
    assert.equal(errorOf({ KILN_CONFIG: join(dir, 'absent.json') }), `KILN_CONFIG names ${join(dir, 'absent.json')}, which does not exist`);
    const aDir = join(dir, 'a-directory.json');
    mkdirSync(aDir);
    assert.equal(errorOf({ KILN_CONFIG: aDir }), `KILN_CONFIG names ${aDir}, which cannot be read: EISDIR`);
    const broken = configFile('broken.json', '{"port": 80,');
    assert.match(errorOf({ KILN_CONFIG: broken }), new RegExp(`^KILN_CONFIG ${broken} is not valid JSON: `));
    const list = configFile('list.json', '[{"port": 80}]');
    assert.equal(errorOf({ KILN_CONFIG: list }), `KILN_CONFIG ${list} must hold a JSON object of settings ({"port": 8080, …}), got [{"port":80}]`);
  });

  test('the file is checked even where the environment overrides it', () => {
    const file = configFile('overridden.json', '{"port": -1}');
    assert.equal(errorOf({ KILN_CONFIG: file, KILN_PORT: '8080' }), `KILN_CONFIG ${file}: port must be an integer from 0 to 65535, got -1`);
  });
});
