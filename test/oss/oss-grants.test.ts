import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { GrantedObjectStore } from '../../src/oss/granted-object-store.js';
import { ObjectStoreError, type ObjectStore } from '../../src/oss/object-store.js';
import { bucketGranted, IMPORT_ROLE, ossAccountsFrom, resolveGrant, STEP_ROLE, type OssAccountGrant } from '../../src/oss/oss-grants.js';

/*
 * The per-account OSS grant table: how an account's (and a role's) buckets and key are
 * resolved, which bucket names a pattern covers, the refusal before anything is sent, and the
 * KILN_OSS_ACCOUNTS / oss.accounts settings.
 */

const KILN_KEY = { accessKeyId: 'kiln', accessKeySecret: 'kiln-secret' };
const TABLE: Record<string, OssAccountGrant> = {
  '1001': { buckets: ['team-a-*'], roles: {} },
  '1002': {
    buckets: ['b-data'], accessKeyId: 'b', accessKeySecret: 'b-secret',
    roles: { Importer: { buckets: ['b-images'], accessKeyId: 'bi', accessKeySecret: 'bi-secret' }, KeyOnly: { accessKeyId: 'bk', accessKeySecret: 'bk-secret' } },
  },
};

describe('resolveGrant', () => {
  test("an account's own buckets and Kiln's key when it has none; its own key when it has one", () => {
    assert.deepEqual(resolveGrant(TABLE, KILN_KEY, '9', '1001', STEP_ROLE), { buckets: ['team-a-*'], key: KILN_KEY, who: 'account 1001' });
    assert.deepEqual(resolveGrant(TABLE, KILN_KEY, '9', '1002', IMPORT_ROLE).key, { accessKeyId: 'b', accessKeySecret: 'b-secret' });
  });

  test("a configured role replaces what it names and keeps the account's other fields", () => {
    assert.deepEqual(resolveGrant(TABLE, KILN_KEY, '9', '1002', 'Importer'), { buckets: ['b-images'], key: { accessKeyId: 'bi', accessKeySecret: 'bi-secret' }, who: 'account 1002 (role Importer)' });
    assert.deepEqual(resolveGrant(TABLE, KILN_KEY, '9', '1002', 'KeyOnly').buckets, ['b-data']);
    assert.deepEqual(resolveGrant(TABLE, KILN_KEY, '9', '1002', 'KeyOnly').key.accessKeyId, 'bk');
    // A role the account has not configured is the account's own grant, never more.
    assert.deepEqual(resolveGrant(TABLE, KILN_KEY, '9', '1002', 'Unknown').buckets, ['b-data']);
    assert.deepEqual(resolveGrant(TABLE, KILN_KEY, '9', '1001', '__proto__').buckets, ['team-a-*']);
  });

  test('no entry: no bucket, except the default account, which keeps every bucket until it has an entry', () => {
    assert.deepEqual(resolveGrant(TABLE, KILN_KEY, '9', '1003', STEP_ROLE).buckets, []);
    assert.deepEqual(resolveGrant(TABLE, KILN_KEY, '9', '9', STEP_ROLE), { buckets: ['*'], key: KILN_KEY, who: 'the default account 9' });
    assert.deepEqual(resolveGrant(TABLE, KILN_KEY, '1001', '1001', STEP_ROLE).buckets, ['team-a-*']);
    assert.deepEqual(resolveGrant(TABLE, KILN_KEY, undefined, '9', STEP_ROLE).buckets, []);
  });
});

describe('ossAccountsFrom', () => {
  test('a role named __proto__ is a role like any other (not the object prototype, not dropped)', () => {
    const table = ossAccountsFrom(JSON.parse('{"1001": {"buckets": ["a"], "roles": {"__proto__": {"buckets": ["p"]}}}}'), 'KILN_OSS_ACCOUNTS');
    assert.deepEqual(resolveGrant(table, KILN_KEY, '9', '1001', '__proto__').buckets, ['p']);
    assert.deepEqual(resolveGrant(table, KILN_KEY, '9', '1001', 'Other').buckets, ['a']);
  });
});

describe('bucketGranted', () => {
  test('exact names and * patterns; * covers bucket-name characters only; invalid names never match', () => {
    assert.ok(bucketGranted(['b-data'], 'b-data'));
    assert.ok(!bucketGranted(['b-data'], 'b-data2'));
    assert.ok(bucketGranted(['team-a-*'], 'team-a-images'));
    assert.ok(!bucketGranted(['team-a-*'], 'team-b-images'));
    assert.ok(bucketGranted(['*'], 'anything-at-all'));
    assert.ok(bucketGranted(['my.bucket'], 'my.bucket'));
    assert.ok(!bucketGranted(['my.bucket'], 'myxbucket'), 'a dot is a dot, not any character');
    for (const bad of ['team-a-x/../team-b', 'Team-A-x', 'team-a-x?', 'team-a-..x', 'ab', '']) {
      assert.ok(!bucketGranted(['*', 'team-a-*'], bad), bad);
    }
    assert.ok(!bucketGranted([], 'b-data'));
  });
});

describe('GrantedObjectStore', () => {
  test('a bucket outside the grant is AccessDenied and nothing reaches the store; a granted one goes through', async () => {
    const calls: string[] = [];
    const inner: ObjectStore = {
      endpoint: 'http://s3',
      async get(bucket, key) { calls.push(`get ${bucket}/${key}`); return { body: Readable.from([]) }; },
      async put(bucket, key) { calls.push(`put ${bucket}/${key}`); },
      async copy(bucket, _from, to) { calls.push(`copy ${bucket}/${to}`); },
      async delete(bucket, key) { calls.push(`delete ${bucket}/${key}`); },
      async putFile(bucket, key) { calls.push(`putFile ${bucket}/${key}`); },
    };
    const store = new GrantedObjectStore(inner, { buckets: ['mine'], who: 'account 1' });
    const body = Readable.from([Buffer.from('x')]);
    for (const p of [store.get('theirs', 'k'), store.put('theirs', 'k', body, 1)]) {
      const err = await p.then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof ObjectStoreError && err.kind === 'AccessDenied', String(err));
      assert.match(err.message, /oss:\/\/theirs\/k: account 1 may not (read|write) bucket "theirs" on this Kiln \(granted: mine\)/);
    }
    assert.ok(body.destroyed, 'the refused upload body is released');
    assert.deepEqual(calls, []);
    await store.get('mine', 'k');
    assert.deepEqual(calls, ['get mine/k']);
    assert.equal(store.endpoint, 'http://s3');
  });
});

describe('KILN_OSS_ACCOUNTS / oss.accounts', () => {
  /** The tables are null-prototype maps; compare their contents. */
  const plain = (v: unknown): unknown => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
  const base = { KILN_DATA_DIR: '/tmp/x', KILN_OSS_ENDPOINT: 'http://s3:9000', KILN_OSS_ACCESS_KEY_ID: 'k', KILN_OSS_ACCESS_KEY_SECRET: 's' };

  test('the environment variable: a JSON object by AccountId; roles default to none', () => {
    const c = loadConfig({ ...base, KILN_OSS_ACCOUNTS: JSON.stringify({ 1001: { buckets: ['a-*'] }, 1002: { buckets: [], accessKeyId: 'b', accessKeySecret: 'bs', roles: { R: { buckets: ['r'] } } } }) });
    assert.deepEqual(plain(c.oss?.accounts), {
      1001: { buckets: ['a-*'], roles: {} },
      1002: { buckets: [], accessKeyId: 'b', accessKeySecret: 'bs', roles: { R: { buckets: ['r'] } } },
    });
  });

  test('the config file: oss.accounts; the environment wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-oss-config-'));
    try {
      const file = join(dir, 'kiln.json');
      writeFileSync(file, JSON.stringify({ oss: { endpoint: 'http://s3:9000', accessKeyId: 'k', accessKeySecret: 's', accounts: { 1001: { buckets: ['from-file'] } } } }));
      assert.deepEqual(plain(loadConfig({ KILN_DATA_DIR: dir, KILN_CONFIG: file }).oss?.accounts), { 1001: { buckets: ['from-file'], roles: {} } });
      assert.deepEqual(plain(loadConfig({ KILN_DATA_DIR: dir, KILN_CONFIG: file, KILN_OSS_ACCOUNTS: '{"1002":{"buckets":["from-env"]}}' }).oss?.accounts), { 1002: { buckets: ['from-env'], roles: {} } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('mistakes stop the start, naming the setting and the entry', () => {
    const bad = (accounts: string) => () => loadConfig({ ...base, KILN_OSS_ACCOUNTS: accounts });
    assert.throws(bad('not json'), /KILN_OSS_ACCOUNTS is not valid JSON/);
    assert.throws(bad('[]'), /KILN_OSS_ACCOUNTS must be a JSON object/);
    assert.throws(bad('{"alice":{"buckets":[]}}'), /"alice" is not an AccountId/);
    assert.throws(bad('{"1001":{"buckets":"a"}}'), /KILN_OSS_ACCOUNTS\["1001"\]\.buckets must be a list/);
    assert.throws(bad('{"1001":{"buckets":["a/b"]}}'), /buckets must be a list of bucket names or patterns/);
    assert.throws(bad('{"1001":{"buckets":[],"accessKeyId":"x"}}'), /accessKeyId and accessKeySecret go together/);
    assert.throws(bad('{"1001":{"bucket":["a"]}}'), /unknown field "bucket"/);
    assert.throws(bad('{"1001":{"buckets":[],"roles":{"R":{"buckets":["ok"],"role":1}}}}'), /roles\["R"\]: unknown field "role"/);
    assert.throws(() => loadConfig({ KILN_DATA_DIR: '/tmp/x', KILN_OSS_ACCOUNTS: '{"1001":{"buckets":["a"]}}' }), /KILN_OSS_ACCOUNTS \(oss.accounts\) needs KILN_OSS_ENDPOINT/);
  });

  test('ossAccountsFrom keeps what it was given, not references to it', () => {
    const raw = { 1001: { buckets: ['a'] } };
    const table = ossAccountsFrom(raw, 'x');
    raw[1001].buckets.push('b');
    assert.deepEqual(table['1001']?.buckets, ['a']);
  });
});
