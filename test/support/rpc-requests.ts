import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawRequest } from '../../src/api/rpc/raw-request.js';
import { decodeRequest, type DecodedRequest } from '../../src/api/rpc/decode.js';
import { InMemoryNonceRegistry } from '../../src/api/rpc/nonce-registry.js';
import type { AuthenticateDeps } from '../../src/api/rpc/authenticate.js';
import { percentEncode } from '../../src/api/rpc/percent-encode.js';
import { signV1 } from '../../src/api/rpc/signature-v1.js';
import { v3Authorization, v3PayloadHash } from '../../src/api/rpc/signature-v3.js';

/** The requests captured from the official clients, which the RPC tests replay (test/rpc/fixtures). */
export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'rpc', 'fixtures');
export const TEST_AK = 'testAccessKeyId';
export const TEST_SECRET = 'testAccessKeySecret';
export const TEST_ACCOUNT = '1234567890123456';
/** The moment the captured requests were signed. */
export const CAPTURE_TIME = new Date('2026-11-29T07:13:06Z');

/** Parses a raw HTTP/1.1 request text (as stored in fixtures/) into a RawRequest. */
export function parseHttp(text: string): RawRequest {
  const split = text.indexOf('\n\n');
  const head = split === -1 ? text : text.slice(0, split);
  const body = split === -1 ? '' : text.slice(split + 2);
  const [requestLine, ...headerLines] = head.split('\n');
  const [method, target] = (requestLine as string).split(' ') as [string, string];
  const q = target.indexOf('?');
  const headers: Record<string, string | string[]> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prev = headers[name];
    headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return {
    method,
    path: q === -1 ? target : target.slice(0, q),
    rawQuery: q === -1 ? '' : target.slice(q + 1),
    headers,
    body: Buffer.from(body, 'utf8'),
  };
}

export interface Fixture {
  name: string;
  raw: RawRequest;
}

export function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.http'))
    .sort()
    .map((name) => ({ name, raw: parseHttp(readFileSync(join(FIXTURE_DIR, name), 'utf8')) }));
}

export function decoded(raw: RawRequest): DecodedRequest & { raw: RawRequest } {
  return { ...decodeRequest(raw), raw };
}

export interface KeyRecord {
  secret: string;
  accountId: string;
  status: string;
}

/** Deps with one active test key, a fresh nonce registry and a fixed clock. */
export function testDeps(overrides: Partial<AuthenticateDeps> & { now?: () => Date; keys?: Record<string, KeyRecord> } = {}): AuthenticateDeps {
  const keys: Record<string, KeyRecord> = overrides.keys ?? { [TEST_AK]: { secret: TEST_SECRET, accountId: TEST_ACCOUNT, status: 'Active' } };
  return {
    findAccessKey: async (id) => (Object.hasOwn(keys, id) ? keys[id] : undefined),
    nonces: overrides.nonces ?? new InMemoryNonceRegistry(),
    now: overrides.now ?? (() => CAPTURE_TIME),
  };
}

/** Go's `url.QueryEscape` (what `url.Values.Encode` uses): unreserved kept, space as `+`. */
export function goQueryEscape(s: string): string {
  return percentEncode(s).replace(/%20/g, '+');
}

/** `url.Values.Encode`: keys sorted, `k=v` joined with `&`. */
export function goValuesEncode(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${goQueryEscape(k)}=${goQueryEscape(params[k] as string)}`)
    .join('&');
}

/** Common V1 parameters for a request signed at `time` with `nonce`. */
export function v1Common(action: string, time: Date, nonce: string): Record<string, string> {
  return {
    Action: action,
    Version: '2014-05-26',
    Format: 'JSON',
    AccessKeyId: TEST_AK,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: nonce,
    Timestamp: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/** A V1 GET with every parameter in the query, signed over all of them. */
export function signedV1Get(params: Record<string, string>, secret = TEST_SECRET): RawRequest {
  const all = { ...params, Signature: signV1('GET', params, secret) };
  return { method: 'GET', path: '/', rawQuery: goValuesEncode(all), headers: { host: 'localhost' }, body: Buffer.alloc(0) };
}

/** A V3 (ACS3-HMAC-SHA256) POST like @alicloud/openapi-core sends, signed over every x-acs-* and host header. */
export function signedV3Post(opts: {
  action: string;
  query: Record<string, string>;
  date: string;
  nonce: string;
  body?: string;
  contentType?: string;
  secret?: string;
  accessKeyId?: string;
  extraHeaders?: Record<string, string>;
  unsigned?: string[];
}): RawRequest {
  const body = Buffer.from(opts.body ?? '', 'utf8');
  const headers: Record<string, string> = {
    host: 'localhost:8080',
    'x-acs-version': '2014-05-26',
    'x-acs-action': opts.action,
    'x-acs-date': opts.date,
    'x-acs-signature-nonce': opts.nonce,
    accept: 'application/json',
    'x-acs-content-sha256': v3PayloadHash('ACS3-HMAC-SHA256', body),
    ...(opts.contentType ? { 'content-type': opts.contentType } : {}),
    ...opts.extraHeaders,
  };
  const signedHeaders = Object.keys(headers)
    .filter((h) => (h === 'host' || h === 'content-type' || h.startsWith('x-acs-')) && !(opts.unsigned ?? []).includes(h))
    .sort();
  const query = Object.entries(opts.query);
  headers.authorization = v3Authorization('ACS3-HMAC-SHA256', opts.accessKeyId ?? TEST_AK, opts.secret ?? TEST_SECRET, {
    method: 'POST',
    path: '/',
    query,
    headers,
    signedHeaders,
    hashedPayload: headers['x-acs-content-sha256'] as string,
  });
  const rawQuery = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return { method: 'POST', path: '/', rawQuery, headers, body };
}
