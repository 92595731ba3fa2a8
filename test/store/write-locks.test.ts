import assert from 'node:assert/strict';
import { test } from 'node:test';
import { advisoryNumber, compareLocks, GLOBAL, locksOf, type LockKey } from '../../src/store/write-locks.js';

/* Which write lock each repository call takes on PostgreSQL (src/store/write-locks.ts): a pure function. */

const scope = { accountId: '1234', regionId: 'cn-hangzhou' };
const scopeKey: LockKey = { kind: 'scope', name: '1234\u0000cn-hangzhou' };

test('a call on a scope, a filter of one or an entity of one takes that scope; a list of entities, each scope', () => {
  assert.deepEqual(locksOf('pipelines', 'count', [scope]), [scopeKey]);
  assert.deepEqual(locksOf('pipelines', 'list', [{ ...scope, name: 'x' }, { limit: 5 }]), [scopeKey]);
  assert.deepEqual(locksOf('pipelines', 'insert', [{ id: 'ip-1', ...scope, name: 'n' }, []]), [scopeKey]);
  const other = { accountId: '1234', regionId: 'cn-beijing' };
  assert.deepEqual(locksOf('stepCache', 'put', [[{ ...scope, key: 'a' }, { ...other, key: 'b' }]]), [scopeKey, { kind: 'scope', name: '1234\u0000cn-beijing' }]);
  assert.deepEqual(locksOf('stepCache', 'put', [[]]), [], 'nothing to write, nothing to lock');
});

test('ClientTokens, account sums and claims have their own keys; leases and nonces none; anything unlisted is global', () => {
  assert.deepEqual(locksOf('idempotency', 'get', ['1234', 'CreateImagePipeline', 't-1']), [{ kind: 'idempotency', name: '1234\u0000CreateImagePipeline\u0000t-1' }]);
  assert.deepEqual(locksOf('idempotency', 'put', ['1234', 'CreateImagePipeline', 't-1', {}]), locksOf('idempotency', 'get', ['1234', 'CreateImagePipeline', 't-1']));
  assert.deepEqual(locksOf('images', 'storageBytes', ['1234']), [{ kind: 'account', name: '1234' }]);
  assert.deepEqual(locksOf('executions', 'claim', ['w-1', 1000, {}]), [{ kind: 'queue', name: 'executions' }]);
  assert.deepEqual(locksOf('executions', 'renew', ['exec-1', 'w-1', 1000]), []);
  assert.deepEqual(locksOf('signatureNonces', 'claim', ['LTAI', 'n', 1, 0]), []);
  assert.deepEqual(locksOf('consoleSessions', 'touch', ['digest', 2, 1]), [], 'a console session is one row: no lock');
  assert.deepEqual(locksOf('accounts', 'insert', [{ id: '1234', name: 'a', creationTime: 't' }]), [GLOBAL]);
  assert.deepEqual(locksOf('newRepository', 'anything', ['x']), [GLOBAL]);
});

test('lock order: global, ClientTokens, scopes, accounts, queues, then by name; advisory numbers are stable and distinct', () => {
  const keys: LockKey[] = [
    { kind: 'queue', name: 'executions' }, { kind: 'account', name: '1' }, { kind: 'scope', name: 'b' },
    { kind: 'scope', name: 'a' }, { kind: 'idempotency', name: 'z' }, GLOBAL,
  ];
  assert.deepEqual([...keys].sort(compareLocks).map((k) => (k.kind === 'global' ? 'global' : `${k.kind}:${k.name}`)),
    ['global', 'idempotency:z', 'scope:a', 'scope:b', 'account:1', 'queue:executions']);
  assert.equal(advisoryNumber(scopeKey), advisoryNumber({ kind: 'scope', name: '1234\u0000cn-hangzhou' }));
  assert.equal(new Set(keys.map(advisoryNumber)).size, keys.length);
  assert.match(advisoryNumber(GLOBAL), /^-?\d+$/);
});
