import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ConsoleSessions, tokenDigest } from '../../src/app/console-sessions.js';
import { SignInThrottle } from '../../src/app/sign-in-throttle.js';
import { constantTimeEqual } from '../../src/api/rpc/constant-time.js';
import { createAccount } from '../../src/auth/accounts.js';
import type { Store } from '../../src/domain/ports.js';
import { createStore } from '../../src/store/create-store.js';

/* The session logic on a real (in-memory SQLite) store, its clock driven by the test. */

let store: Store;
before(async () => {
  store = await createStore({ databaseUrl: ':memory:', dataDir: '/nonexistent' });
});
after(() => store.close());

const T0 = 1_800_000_000_000;

async function setup(opts: { idle?: number; max?: number } = {}) {
  const { accessKey } = await createAccount(store, ['cn-hangzhou']);
  const clock = { now: T0 };
  const sessions = new ConsoleSessions({
    sessions: store.consoleSessions,
    findAccessKey: (id) => store.accessKeys.get(id),
    secretsEqual: constantTimeEqual,
    idleTimeoutSeconds: opts.idle ?? 60,
    maxLifetimeSeconds: opts.max ?? 3600,
    now: () => clock.now,
  });
  return { accessKey, clock, sessions };
}

const code = (c: string) => ({ code: c });

test('sign-in: a random token, the CSRF token its HMAC, only its SHA-256 stored', async () => {
  const { accessKey, sessions } = await setup();
  const live = await sessions.signIn(accessKey.id, accessKey.secret, '192.0.2.1');
  assert.match(live.token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(live.csrfToken, createHmac('sha256', live.token).update('kiln-console-csrf').digest('base64url'));
  assert.equal(live.session.tokenDigest, createHash('sha256').update(live.token).digest('hex'));
  assert.deepEqual(await store.consoleSessions.getLive(tokenDigest(live.token), T0), live.session);
  assert.deepEqual(Object.values(live.session).filter((v) => String(v).includes(live.token)), [], 'no field holds the token');
  const again = await sessions.signIn(accessKey.id, accessKey.secret, '192.0.2.1');
  assert.notEqual(again.token, live.token);
});

test('unknown id and wrong secret are one answer; a disabled key says so only to its secret', async () => {
  const { accessKey, sessions } = await setup();
  await assert.rejects(sessions.signIn('LTAInoSuchKey', accessKey.secret, '192.0.2.2'), code('Console.SignInFailed'));
  await assert.rejects(sessions.signIn(accessKey.id, `${accessKey.secret}x`, '192.0.2.2'), code('Console.SignInFailed'));
  await assert.rejects(sessions.signIn(accessKey.id, '', '192.0.2.2'), code('Console.SignInFailed'));
  await store.accessKeys.setStatus(accessKey.id, 'Inactive');
  await assert.rejects(sessions.signIn(accessKey.id, 'wrong', '192.0.2.2'), code('Console.SignInFailed'));
  await assert.rejects(sessions.signIn(accessKey.id, accessKey.secret, '192.0.2.2'), code('InvalidAccessKeyId.Inactive'));
});

test('idle expiry: each use within the idle timeout extends it; a longer pause ends the session', async () => {
  const { accessKey, clock, sessions } = await setup({ idle: 60 });
  const { token } = await sessions.signIn(accessKey.id, accessKey.secret, '192.0.2.3');
  clock.now = T0 + 59_000;
  await sessions.resume(token);
  clock.now = T0 + 59_000 + 59_000;
  await sessions.resume(token);
  clock.now += 60_000;
  await assert.rejects(sessions.resume(token), code('Console.SessionRequired'));
  assert.equal(await store.consoleSessions.getLive(tokenDigest(token), clock.now), undefined, 'ended in the store');
});

test('reads within the touch interval do not write the last use', async () => {
  const { accessKey, clock, sessions } = await setup({ idle: 600 });
  const { token } = await sessions.signIn(accessKey.id, accessKey.secret, '192.0.2.4');
  clock.now = T0 + 29_000;
  await sessions.resume(token);
  assert.equal((await store.consoleSessions.getLive(tokenDigest(token), clock.now))?.lastUsedAt, T0, 'not written within 30 s');
  clock.now = T0 + 30_000;
  await sessions.resume(token);
  assert.equal((await store.consoleSessions.getLive(tokenDigest(token), clock.now))?.lastUsedAt, T0 + 30_000);
});

test('absolute expiry: a session in constant use ends at its maximum lifetime', async () => {
  const { accessKey, clock, sessions } = await setup({ idle: 60, max: 120 });
  const { token } = await sessions.signIn(accessKey.id, accessKey.secret, '192.0.2.5');
  for (const at of [40_000, 80_000, 119_999]) {
    clock.now = T0 + at;
    await sessions.resume(token);
  }
  clock.now = T0 + 120_000;
  await assert.rejects(sessions.resume(token), code('Console.SessionRequired'));
});

test('a session ends at its next use once its AccessKey is disabled; sign-out ends it; garbage tokens are no session', async () => {
  const { accessKey, sessions } = await setup();
  const a = await sessions.signIn(accessKey.id, accessKey.secret, '192.0.2.6');
  const b = await sessions.signIn(accessKey.id, accessKey.secret, '192.0.2.6');
  await sessions.signOut(b.token);
  await assert.rejects(sessions.resume(b.token), code('Console.SessionRequired'));
  await sessions.resume(a.token);
  await store.accessKeys.setStatus(accessKey.id, 'Inactive');
  await assert.rejects(sessions.resume(a.token), code('Console.SessionRequired'));
  await store.accessKeys.setStatus(accessKey.id, 'Active');
  await assert.rejects(sessions.resume(a.token), code('Console.SessionRequired'), 'ended for good, not suspended');
  for (const t of [undefined, '', 'x', `${a.token}=`, a.token.slice(1)]) await assert.rejects(sessions.resume(t), code('Console.SessionRequired'));
});

test('the sign-in throttle: N failures per key within the window, then refused until the oldest leaves it', () => {
  const clock = { now: T0 };
  const throttle = new SignInThrottle({ maxFailures: 3, windowMs: 60_000, now: () => clock.now });
  for (let i = 0; i < 3; i++) {
    throttle.check(['a']);
    throttle.fail(['a']);
    clock.now += 1_000;
  }
  assert.throws(() => throttle.check(['a']), code('Throttling.SignIn'));
  assert.throws(() => throttle.check(['b', 'a']), code('Throttling.SignIn'), 'any key of the request');
  throttle.check(['b']);
  clock.now = T0 + 60_000;
  throttle.check(['a']);
});
