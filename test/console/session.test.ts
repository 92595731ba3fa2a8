import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { consoleFetch, consoleSignIn, type ConsoleSession } from '../support/console.js';
import { kilnFixture, newAccessKey } from '../support/kiln-fixture.js';

/*
 * The console session over real HTTP against a real `kiln serve` (SQLite). The test process is
 * a trusted proxy (KILN_TRUST_PROXY=127.0.0.1), so each test names its own client address in
 * X-Forwarded-For and the per-address sign-in throttle never mixes tests.
 */

const fx = kilnFixture({ KILN_TRUST_PROXY: '127.0.0.1' });
const SESSION = '/console/api/session';

interface Answer {
  status: number;
  code: string | undefined;
  body: Record<string, unknown>;
  setCookie: string | null;
}

async function answer(res: Response): Promise<Answer> {
  const body = await res.json() as Record<string, unknown>;
  return { status: res.status, code: body.Code as string | undefined, body, setCookie: res.headers.get('set-cookie') };
}

/** A sign-in from client address `from`. */
async function signIn(from: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return answer(await fetch(`${fx.kiln.endpoint}${SESSION}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  }));
}

async function session(s: ConsoleSession, init: RequestInit = {}): Promise<Answer> {
  return answer(await consoleFetch(fx.kiln.endpoint, s, SESSION, init));
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('sign-in answers the session and an HttpOnly, SameSite=Strict, Path=/console cookie (Secure only over TLS)', async () => {
  const { accessKeyId, accessKeySecret } = await newAccessKey(fx.kiln);
  const ok = await signIn('198.51.100.1', { AccessKeyId: accessKeyId, AccessKeySecret: accessKeySecret });
  assert.equal(ok.status, 200);
  assert.deepEqual(Object.keys(ok.body).sort(), ['AccessKeyId', 'AccountId', 'CsrfToken', 'ExpiresAt', 'IdleTimeoutSeconds', 'RequestId']);
  assert.equal(ok.body.AccessKeyId, accessKeyId);
  assert.equal(ok.body.IdleTimeoutSeconds, 1800);
  const attrs = (ok.setCookie ?? '').split(';').map((a) => a.trim().toLowerCase());
  assert.match(attrs[0] ?? '', /^kiln_console=[a-z0-9_-]{43}$/);
  for (const a of ['path=/console', 'httponly', 'samesite=strict']) assert.ok(attrs.includes(a), `${a} in ${ok.setCookie}`);
  assert.ok(!attrs.includes('secure'), 'not Secure over plain HTTP');
  // The same request through a trusted TLS-terminating proxy.
  const proxied = await signIn('198.51.100.1', { AccessKeyId: accessKeyId, AccessKeySecret: accessKeySecret }, { 'x-forwarded-proto': 'https' });
  assert.ok((proxied.setCookie ?? '').split(';').map((a) => a.trim()).includes('Secure'), `Secure behind a TLS proxy: ${proxied.setCookie}`);
});

test('a wrong secret and an unknown id get the same answer; a disabled key is told only to its secret; bad bodies are 400', async () => {
  const { accessKeyId, accessKeySecret } = await newAccessKey(fx.kiln);
  const wrong = await signIn('198.51.100.2', { AccessKeyId: accessKeyId, AccessKeySecret: `${accessKeySecret}x` });
  const unknown = await signIn('198.51.100.2', { AccessKeyId: 'LTAI0000000000000000none', AccessKeySecret: accessKeySecret });
  for (const a of [wrong, unknown]) {
    assert.equal(a.status, 401);
    assert.equal(a.code, 'Console.SignInFailed');
    assert.equal(a.setCookie, null);
  }
  assert.equal(wrong.body.Message, unknown.body.Message);
  await fx.kiln.app.store.accessKeys.setStatus(accessKeyId, 'Inactive');
  // Keys are read through the RPC path's cache: the status applies within its 500 ms TTL.
  let inactive: Answer | undefined;
  await until('the key to read Inactive', async () => {
    inactive = await signIn('198.51.100.3', { AccessKeyId: accessKeyId, AccessKeySecret: accessKeySecret });
    return inactive.status !== 200;
  });
  assert.deepEqual([inactive?.status, inactive?.code, inactive?.setCookie], [400, 'InvalidAccessKeyId.Inactive', null]);
  assert.equal((await signIn('198.51.100.2', { AccessKeyId: accessKeyId, AccessKeySecret: 'nope' })).code, 'Console.SignInFailed');
  for (const [body, code] of [['{"AccessKeyId":', 'InvalidParameter'], ['[]', 'InvalidParameter'], ['', 'InvalidParameter'],
    [{ AccessKeyId: accessKeyId }, 'MissingParameter.AccessKeySecret'], [{ AccessKeyId: 7, AccessKeySecret: 's' }, 'InvalidParameter'],
    [JSON.stringify({ AccessKeyId: 'x'.repeat(5000), AccessKeySecret: 's' }), 'InvalidParameter']] as const) {
    const a = await signIn('198.51.100.2', body);
    assert.deepEqual([a.status, a.code], [400, code], `body ${String(typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 40)}`);
  }
});

test('no session, a made-up or malformed cookie: Console.SessionRequired', async () => {
  const base = fx.kiln.endpoint;
  const none = await answer(await fetch(`${base}${SESSION}`));
  assert.deepEqual([none.status, none.code], [401, 'Console.SessionRequired']);
  for (const cookie of ['kiln_console=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'kiln_console=%%%', 'other=1']) {
    const a = await session({ cookie, csrf: 'x', accountId: '' });
    assert.deepEqual([a.status, a.code], [401, 'Console.SessionRequired'], cookie);
  }
  const del = await answer(await fetch(`${base}${SESSION}`, { method: 'DELETE', headers: { 'x-kiln-csrf': 'x' } }));
  assert.deepEqual([del.status, del.code], [401, 'Console.SessionRequired']);
});

test('CSRF: DELETE without the token, with a wrong one or from a foreign Origin is refused; sign-out ends the session for good', async () => {
  const { accessKeyId, accessKeySecret } = await newAccessKey(fx.kiln);
  const s = await consoleSignIn(fx.kiln.endpoint, accessKeyId, accessKeySecret);
  const get = await session(s);
  assert.deepEqual([get.status, get.body.CsrfToken, get.body.AccountId], [200, s.csrf, s.accountId]);
  const refused = [
    await session({ ...s, csrf: '' }, { method: 'DELETE' }),
    await session({ ...s, csrf: s.csrf.slice(0, -1) + (s.csrf.endsWith('A') ? 'B' : 'A') }, { method: 'DELETE' }),
    await session(s, { method: 'DELETE', headers: { origin: 'https://evil.example' } }),
    await session(s, { method: 'DELETE', headers: { origin: 'null' } }),
  ];
  for (const a of refused) assert.deepEqual([a.status, a.code], [403, 'Console.CsrfTokenInvalid']);
  const foreignSignIn = await signIn('198.51.100.4', { AccessKeyId: accessKeyId, AccessKeySecret: accessKeySecret }, { origin: 'https://evil.example' });
  assert.deepEqual([foreignSignIn.status, foreignSignIn.code], [403, 'Console.CsrfTokenInvalid']);
  assert.equal((await session(s)).status, 200, 'the refused calls did not end the session');

  const out = await session(s, { method: 'DELETE', headers: { origin: fx.kiln.endpoint } });
  assert.equal(out.status, 200);
  assert.match(out.setCookie ?? '', /^kiln_console=;.*Expires=Thu, 01 Jan 1970/);
  // The old cookie, replayed: ended in the store, so refused on every route.
  for (const method of ['GET', 'DELETE']) {
    const a = await session(s, { method });
    assert.deepEqual([a.status, a.code], [401, 'Console.SessionRequired'], method);
  }
});

test('disabling the AccessKey ends its session (re-enabling does not bring it back)', async () => {
  const { accessKeyId, accessKeySecret } = await newAccessKey(fx.kiln);
  const s = await consoleSignIn(fx.kiln.endpoint, accessKeyId, accessKeySecret);
  assert.equal((await session(s)).status, 200);
  await fx.kiln.app.store.accessKeys.setStatus(accessKeyId, 'Inactive');
  // The AccessKey cache re-reads a key within 500 ms.
  await until('the session to end', async () => (await session(s)).code === 'Console.SessionRequired');
  await fx.kiln.app.store.accessKeys.setStatus(accessKeyId, 'Active');
  await until('the key to read Active again', async () => (await signIn('198.51.100.5', { AccessKeyId: accessKeyId, AccessKeySecret: accessKeySecret })).status === 200);
  assert.equal((await session(s)).code, 'Console.SessionRequired');
});

test('the store keeps only the SHA-256 of the session token', async () => {
  const { accessKeyId, accessKeySecret } = await newAccessKey(fx.kiln);
  const s = await consoleSignIn(fx.kiln.endpoint, accessKeyId, accessKeySecret);
  const token = s.cookie.slice('kiln_console='.length);
  const db = new Database(join(fx.kiln.config.dataDir, 'kiln.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('select * from console_sessions').all();
    const dump = JSON.stringify(rows);
    assert.ok(!dump.includes(token), 'no plaintext token');
    assert.ok(!dump.includes(s.csrf), 'no CSRF token');
    assert.ok(!dump.includes(accessKeySecret), 'no secret');
    assert.ok(dump.includes(createHash('sha256').update(token).digest('hex')), 'the digest names the session');
  } finally {
    db.close();
  }
});

test('throttling: 10 failed sign-ins for one AccessKey id, or from one address, refuse the next with Throttling.SignIn', async () => {
  const { accessKeyId, accessKeySecret } = await newAccessKey(fx.kiln);
  // Per id: failures from ten addresses, then the right secret from an eleventh is refused too.
  for (let i = 0; i < 10; i++) {
    assert.equal((await signIn(`203.0.113.${i + 1}`, { AccessKeyId: accessKeyId, AccessKeySecret: 'guess' })).code, 'Console.SignInFailed');
  }
  const byId = await signIn('203.0.113.99', { AccessKeyId: accessKeyId, AccessKeySecret: accessKeySecret });
  assert.deepEqual([byId.status, byId.code, byId.setCookie], [429, 'Throttling.SignIn', null]);
  // Per address: ten unknown ids from one address, then a valid pair from it is refused; other addresses are not.
  const other = await newAccessKey(fx.kiln);
  for (let i = 0; i < 10; i++) {
    assert.equal((await signIn('203.0.113.200', { AccessKeyId: `LTAIguess${i}`, AccessKeySecret: 'guess' })).code, 'Console.SignInFailed');
  }
  assert.equal((await signIn('203.0.113.200', { AccessKeyId: other.accessKeyId, AccessKeySecret: other.accessKeySecret })).code, 'Throttling.SignIn');
  assert.equal((await signIn('203.0.113.201', { AccessKeyId: other.accessKeyId, AccessKeySecret: other.accessKeySecret })).status, 200);
});
