import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../src/api/server.js';
import { createApp } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/config.js';
import type { Store } from '../../src/domain/ports.js';
import { createStore } from '../../src/store/create-store.js';
import { sendRaw, type RawResponse } from '../support/wire.js';

/*
 * The console's files over real HTTP from the real server, on a build made by the test (a temp
 * dist folder, so what is served is known): files as they are with their types and caching,
 * the SPA fallback, the security headers on every answer under /console, request paths that
 * try to leave the folder (never read: the answer is a file of the build or index.html), and
 * the 503 page of a server with no build.
 */

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const INDEX = '<!doctype html><title>console-index-marker</title><script type="module" src="/console/assets/index-AbC12_-x.js"></script>';
const SECRET = 'secret-outside-the-build';

let root: string;
let store: Store;
let built: { server: FastifyInstance; endpoint: string };
let notBuilt: { server: FastifyInstance; endpoint: string };

async function listen(distDir: string) {
  const config = loadConfig({ KILN_DATA_DIR: join(root, 'data') });
  const server = await createServer(createApp(store, config), { logger: false, console: { static: { distDir } } });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const addr = server.server.address();
  return { server, endpoint: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` };
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'kiln-console-static-'));
  const dist = join(root, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), INDEX);
  writeFileSync(join(dist, 'assets', 'index-AbC12_-x.js'), 'console.log("app")');
  writeFileSync(join(dist, 'assets', 'index-Zy98wvut.css'), 'body{margin:0}');
  writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dist, '.built'), 'stamp');
  writeFileSync(join(root, 'secret.txt'), SECRET);
  symlinkSync(join(root, 'secret.txt'), join(dist, 'link.txt'));
  mkdirSync(join(root, 'empty'));
  store = await createStore({ databaseUrl: ':memory:', dataDir: join(root, 'data') });
  built = await listen(dist);
  notBuilt = await listen(join(root, 'empty'));
});
after(async () => {
  await built?.server.close();
  await notBuilt?.server.close();
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

const get = (path: string, endpoint = built.endpoint) => sendRaw(endpoint, { method: 'GET', path });

function assertSecurityHeaders(res: RawResponse, what: string): void {
  assert.equal(res.headers['content-security-policy'], CSP, what);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', what);
  assert.equal(res.headers['x-frame-options'], 'DENY', what);
}

test('files of the build as they are, with their content types and caching; /console redirects to /console/', async () => {
  for (const [path, type, cache, body] of [
    ['/console/', 'text/html; charset=utf-8', 'no-store', INDEX],
    ['/console/index.html', 'text/html; charset=utf-8', 'no-store', INDEX],
    ['/console/assets/index-AbC12_-x.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable', 'console.log("app")'],
    ['/console/assets/index-Zy98wvut.css', 'text/css; charset=utf-8', 'public, max-age=31536000, immutable', 'body{margin:0}'],
    ['/console/favicon.svg?v=1', 'image/svg+xml', 'no-cache', '<svg xmlns="http://www.w3.org/2000/svg"/>'],
  ]) {
    const res = await get(path!);
    assert.deepEqual([res.status, res.headers['content-type'], res.headers['cache-control'], res.text], [200, type, cache, body], path);
    assertSecurityHeaders(res, path!);
  }
  const redirect = await get('/console');
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.location, '/console/');
  assertSecurityHeaders(redirect, '/console');
});

test('any other path under /console/ is index.html, except under /console/api/; API answers carry the headers too', async () => {
  for (const path of ['/console/templates', '/console/builds/exec-123?tab=logs', '/console/images/m-1/layers', '/console/.built', '/console/assets/missing.js']) {
    const res = await get(path);
    assert.deepEqual([res.status, res.headers['content-type'], res.headers['cache-control'], res.text], [200, 'text/html; charset=utf-8', 'no-store', INDEX], path);
    assertSecurityHeaders(res, path);
  }
  const unknownApi = await get('/console/api/nothing-here');
  assert.equal(unknownApi.status, 404);
  assert.equal(unknownApi.json().Code, 'InvalidAction.NotFound');
  assertSecurityHeaders(unknownApi, 'unknown API route');
  const session = await get('/console/api/session');
  assert.deepEqual([session.status, session.json().Code, session.headers['cache-control']], [401, 'Console.SessionRequired', 'no-store']);
  assertSecurityHeaders(session, 'GET /console/api/session');
});

test('request paths that try to leave the build never read outside it (raw, encoded, doubled, through a symlink)', async () => {
  for (const path of [
    '/console/../secret.txt', '/console/../../secret.txt', '/console/%2e%2e/secret.txt', '/console/..%2fsecret.txt', '/console/%2E%2E%2Fsecret.txt',
    '/console/assets/../../secret.txt', '/console/assets/..%2f..%2fsecret.txt', '/console/assets/%252e%252e/secret.txt', '/console//secret.txt',
    '/console/link.txt', '/console/..\\secret.txt', '/console/%00../secret.txt', `/console/${'../'.repeat(20)}etc/passwd`,
  ]) {
    const res = await get(path);
    assert.ok(!res.text.includes(SECRET) && !res.text.includes('root:'), `${path} answered ${res.text}`);
    // Either the app's page (the SPA routes it) or a refusal of the malformed URL; never a file outside.
    if (res.status === 200) assert.equal(res.text, INDEX, path);
    else assert.equal(res.status, 400, `${path}: ${res.status}`);
  }
});

test('a server without a build answers /console/ with 503 and a page saying how to build it', async () => {
  for (const path of ['/console/', '/console/templates', '/console/assets/index-AbC12_-x.js']) {
    const res = await get(path, notBuilt.endpoint);
    assert.equal(res.status, 503, path);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(res.text, /npm start/);
    assert.match(res.text, /npm run build:console/);
    assertSecurityHeaders(res, path);
  }
  const api = await get('/console/api/session', notBuilt.endpoint);
  assert.equal(api.status, 401);
});
