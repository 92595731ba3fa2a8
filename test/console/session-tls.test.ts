import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { kilnFixture, newAccessKey } from '../support/kiln-fixture.js';

/*
 * `kiln serve` with KILN_TLS_CERT_FILE/KEY_FILE answers HTTPS, and the console's cookie is then
 * Secure. A throwaway self-signed certificate for 127.0.0.1, trusted by this test's client only.
 * Sessions here last 2 s (KILN_CONSOLE_SESSION_MAX_SECONDS), so the absolute expiry is seen
 * end to end: a session in constant use still ends.
 */

const dir = mkdtempSync(join(tmpdir(), 'kiln-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const certFile = join(dir, 'cert.pem');
const keyFile = join(dir, 'key.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile,
  '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
const ca = readFileSync(certFile);

const fx = kilnFixture({ KILN_TLS_CERT_FILE: certFile, KILN_TLS_KEY_FILE: keyFile, KILN_CONSOLE_SESSION_MAX_SECONDS: '2' });

interface HttpsAnswer {
  status: number;
  setCookie: string[];
  hsts: string | undefined;
  body: Record<string, unknown>;
}

function https(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(`${fx.kiln.endpoint}${path}`, { method: opts.method ?? 'GET', headers: opts.headers ?? {}, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [], hsts: res.headers['strict-transport-security'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

test('over HTTPS the session cookie is Secure, and a session in constant use ends at its absolute lifetime', async () => {
  assert.match(fx.kiln.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
  const { accessKeyId, accessKeySecret } = await newAccessKey(fx.kiln);
  const signIn = await https('/console/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ AccessKeyId: accessKeyId, AccessKeySecret: accessKeySecret }),
  });
  assert.equal(signIn.status, 200);
  const cookie = signIn.setCookie[0] ?? '';
  const attrs = cookie.split(';').map((a) => a.trim());
  for (const a of ['Path=/console', 'HttpOnly', 'SameSite=Strict', 'Secure']) assert.ok(attrs.includes(a), `${a} in ${cookie}`);
  // The browser is told to keep to TLS for this host.
  assert.equal(signIn.hsts, 'max-age=31536000');
  const expiresAt = Date.parse(String(signIn.body.ExpiresAt));
  const headers = { cookie: attrs[0] as string };
  assert.equal((await https('/console/api/session', { headers })).status, 200);
  // Used every 100 ms (the idle timer never runs out), the session still ends at ExpiresAt.
  let last: HttpsAnswer;
  const deadline = Date.now() + 20_000;
  do {
    assert.ok(Date.now() < deadline, 'the session never expired');
    await new Promise((r) => setTimeout(r, 100));
    last = await https('/console/api/session', { headers });
  } while (last.status === 200);
  assert.deepEqual([last.status, last.body.Code], [401, 'Console.SessionRequired']);
  assert.ok(Date.now() >= expiresAt, 'not before its ExpiresAt');
});
