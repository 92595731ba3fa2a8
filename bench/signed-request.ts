import { createHash, createHmac, randomBytes } from 'node:crypto';
import { percentEncode } from '../src/api/rpc/percent-encode.js';
import { v3Authorization } from '../src/api/rpc/signature-v3.js';

/*
 * V3 (ACS3-HMAC-SHA256) requests exactly as @alicloud/ecs20140526 7.x sends them
 * (/work/shared/reference/sdk-wire-capture.txt): `POST /?<sorted params>`, empty body, the
 * x-acs-* headers in the SDK's order, a fresh 64-hex nonce and the current x-acs-date.
 *
 * Signing is on the load generator's hot path, so everything that does not change between two
 * requests of one template (the wire query, the canonical query, the constant canonical
 * headers) is computed once; per request only the date, the nonce, one SHA-256 of ~0.5–1 KB
 * and one HMAC remain. `selfCheck()` proves the fast path equals src's reference signer.
 */

export const API_VERSION = '2014-05-26';
export const ALGORITHM = 'ACS3-HMAC-SHA256';
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
const SIGNED_HEADERS = 'host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version';
const USER_AGENT = `AlibabaCloud (linux; x64) Node.js/${process.version} Core/1.0.1 TeaDSL/2`;

export type Params = Record<string, string>;

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
}

/** What autocannon (or node:http) needs to put one request on the wire. */
export interface WireRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
}

/** The SDK's URL encoding of the query (encodeURIComponent: `!'()*~` stay raw). */
function wireQuery(params: Params): string {
  return Object.keys(params).sort().map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k]!)}`).join('&');
}

/** The V3 canonical query: keys and values percent-encoded the Alibaba way, sorted. */
function canonicalQuery(params: Params): string {
  return Object.entries(params)
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** 64-hex nonces like the SDK's, cut from a random pool refilled 64 KiB at a time. */
class NonceSource {
  #pool = randomBytes(65536);
  #at = 0;
  next(): string {
    if (this.#at + 32 > this.#pool.length) {
      this.#pool = randomBytes(65536);
      this.#at = 0;
    }
    const hex = this.#pool.toString('hex', this.#at, this.#at + 32);
    this.#at += 32;
    return hex;
  }
}

/** `x-acs-date` (`yyyy-MM-ddTHH:mm:ssZ`), recomputed at most once per second. */
class Clock {
  #second = -1;
  #text = '';
  now(): string {
    const ms = Date.now();
    const s = Math.floor(ms / 1000);
    if (s !== this.#second) {
      this.#second = s;
      this.#text = new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    return this.#text;
  }
}

/** A signer for one (action, params) template; every call signs afresh (new nonce, current date). */
export interface RequestTemplate {
  action: string;
  params: Params;
  /** Method, path and headers (for node:http). */
  sign(): WireRequest;
  /** The whole HTTP/1.1 request as bytes, headers in the SDK's wire order (for the load generator). */
  signRaw(): Buffer;
}

export interface Signer {
  template(action: string, params: Params): RequestTemplate;
}

/** A V3 signer bound to one key and one `host` header value (`127.0.0.1:PORT`). */
export function createSigner(creds: Credentials, host: string): Signer {
  const nonces = new NonceSource();
  const clock = new Clock();
  return {
    template(action, params) {
      const path = `/?${wireQuery(params)}`;
      // CanonicalRequest = POST \n / \n query \n headers… \n \n signedHeaders \n payloadHash
      const head = `POST\n/\n${canonicalQuery(params)}\nhost:${host}\nx-acs-action:${action}\nx-acs-content-sha256:${EMPTY_SHA256}\nx-acs-credentials-provider:static_ak\nx-acs-date:`;
      const tail = `\nx-acs-version:${API_VERSION}\n\n${SIGNED_HEADERS}\n${EMPTY_SHA256}`;
      const credential = `${ALGORITHM} Credential=${creds.accessKeyId},SignedHeaders=${SIGNED_HEADERS},Signature=`;
      const sign = (date: string, nonce: string): WireRequest => {
        const canonical = `${head}${date}\nx-acs-signature-nonce:${nonce}${tail}`;
        const stringToSign = `${ALGORITHM}\n${createHash('sha256').update(canonical).digest('hex')}`;
        const signature = createHmac('sha256', creds.accessKeySecret).update(stringToSign).digest('hex');
        return {
          method: 'POST',
          path,
          // Wire order of the SDK; autocannon adds `Connection: keep-alive` itself.
          headers: {
            host,
            'x-acs-version': API_VERSION,
            'x-acs-action': action,
            'user-agent': USER_AGENT,
            'x-acs-date': date,
            'x-acs-signature-nonce': nonce,
            accept: 'application/json',
            'x-acs-content-sha256': EMPTY_SHA256,
            'x-acs-credentials-provider': 'static_ak',
            Authorization: credential + signature,
            'Content-Length': '0',
          },
        };
      };
      const rawHead = `POST ${path} HTTP/1.1\r\nhost: ${host}\r\nx-acs-version: ${API_VERSION}\r\nx-acs-action: ${action}\r\nuser-agent: ${USER_AGENT}\r\nx-acs-date: `;
      const signRaw = (): Buffer => {
        const r = sign(clock.now(), nonces.next());
        const h = r.headers;
        return Buffer.from(`${rawHead}${h['x-acs-date']}\r\nx-acs-signature-nonce: ${h['x-acs-signature-nonce']}\r\naccept: application/json\r\nx-acs-content-sha256: ${EMPTY_SHA256}\r\nx-acs-credentials-provider: static_ak\r\nAuthorization: ${h.Authorization}\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n`, 'latin1');
      };
      return { action, params, sign: () => sign(clock.now(), nonces.next()), signRaw };
    },
  };
}

/**
 * Signs one request with the fast path and with src's reference `v3Authorization` and throws
 * unless both agree, so a drift in either shows up before any figure is printed.
 */
export function selfCheck(creds: Credentials, host: string, action: string, params: Params): void {
  const req = createSigner(creds, host).template(action, params).sign();
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) lower[k.toLowerCase()] = v;
  const reference = v3Authorization(ALGORITHM, creds.accessKeyId, creds.accessKeySecret, {
    method: 'POST',
    path: '/',
    query: Object.entries(params),
    headers: lower,
    signedHeaders: SIGNED_HEADERS.split(';'),
    hashedPayload: EMPTY_SHA256,
  });
  if (reference !== req.headers.Authorization) {
    throw new Error(`bench signer disagrees with src/api/rpc/signature-v3.ts:\n  bench: ${req.headers.Authorization}\n  src:   ${reference}`);
  }
}

/** Average cost of `signRaw()` in microseconds (a quick in-process measurement). */
export function signingCostMicros(template: RequestTemplate, iterations = 50_000): number {
  for (let i = 0; i < 2_000; i++) template.signRaw();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) template.signRaw();
  return Number(process.hrtime.bigint() - t0) / 1000 / iterations;
}
