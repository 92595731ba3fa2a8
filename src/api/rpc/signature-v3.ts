import { createHash, createHmac, getHashes } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';
import type { ParamPair } from './decode.js';
import { percentEncode } from './percent-encode.js';
import { incompleteSignature } from './protocol-errors.js';
import { headerValues, type RawRequest } from './raw-request.js';

/**
 * Signature V3 (`ACS3-HMAC-SHA256`, what `@alicloud/openapi-core` sends by default), §5.5:
 *
 *   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
 *   StringToSign     = ALGORITHM \n hex(HASH(CanonicalRequest))
 *   Signature        = hex(HMAC(secret, StringToSign))            (no `&` on the key)
 *   Authorization: ALGORITHM Credential=<AccessKeyId>,SignedHeaders=<h1;h2…>,Signature=<hex>
 *
 * `ACS3-HMAC-SM3` is accepted too when the Node build has SM3 (same shape, SM3 for hash and HMAC).
 */

/** Supported V3 algorithms and the digest each uses for the payload, the request and the HMAC. */
export const V3_ALGORITHMS: ReadonlyMap<string, string> = new Map(
  [
    ['ACS3-HMAC-SHA256', 'sha256'],
    ['ACS3-HMAC-SM3', 'sm3'],
  ].filter(([, digest]) => getHashes().includes(digest as string)) as [string, string][],
);

/** The parsed `Authorization` header of a V3 request. */
export interface V3Authorization {
  algorithm: string;
  /** The AccessKey ID (`Credential=`). */
  credential: string;
  /** Signed header names: lower-cased, de-duplicated, sorted. May be empty. */
  signedHeaders: string[];
  /** Lower-case hex signature. */
  signature: string;
}

/** True when an `Authorization` value is meant to be V3 (starts with `ACS3-`). */
export function isV3Authorization(value: string | undefined): value is string {
  return value?.startsWith('ACS3-') === true;
}

/**
 * Parses `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…` (spaces around the commas tolerated).
 * @throws KilnError `IncompleteSignature` when malformed or when the algorithm is not supported.
 */
export function parseV3Authorization(value: string): V3Authorization {
  const trimmed = value.trim();
  const space = trimmed.indexOf(' ');
  const algorithm = space === -1 ? trimmed : trimmed.slice(0, space);
  if (!V3_ALGORITHMS.has(algorithm)) {
    throw incompleteSignature(`Signature algorithm "${algorithm.slice(0, 40)}" is not supported; use ${[...V3_ALGORITHMS.keys()].join(' or ')}.`);
  }
  const fields = new Map<string, string>();
  for (const part of (space === -1 ? '' : trimmed.slice(space + 1)).split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || signedHeaders === undefined || !signature) {
    throw incompleteSignature('The Authorization header must carry Credential, SignedHeaders and Signature.');
  }
  const names = [...new Set(signedHeaders.split(';').map((h) => h.trim().toLowerCase()).filter((h) => h.length > 0))].sort();
  return { algorithm, credential, signedHeaders: names, signature: signature.toLowerCase() };
}

export interface V3CanonicalInput {
  method: string;
  /** Raw request path, e.g. `/`. */
  path: string;
  /** Decoded query parameters. */
  query: readonly ParamPair[];
  /** Request headers by lower-case name. */
  headers: RawRequest['headers'];
  /** Lower-cased, sorted names of the signed headers. */
  signedHeaders: readonly string[];
  /** Hex digest of the body (the `x-acs-content-sha256` value). */
  hashedPayload: string;
  /**
   * Encode query keys too (the V3 specification) — the default — or leave them raw, as
   * `@alicloud/openapi-core` does. Identical for the `[A-Za-z0-9.]` keys of this API.
   */
  encodeKeys?: boolean;
}

/** Builds the canonical request text. */
export function v3CanonicalRequest(input: V3CanonicalInput): string {
  return [
    input.method,
    canonicalUri(input.path),
    canonicalQuery(input.query, input.encodeKeys !== false),
    canonicalHeaders(input.headers, input.signedHeaders),
    input.signedHeaders.join(';'),
    input.hashedPayload,
  ].join('\n');
}

/** `ALGORITHM\n` + hex digest of the canonical request. */
export function v3StringToSign(algorithm: string, canonicalRequest: string): string {
  return `${algorithm}\n${createHash(digestOf(algorithm)).update(canonicalRequest, 'utf8').digest('hex')}`;
}

/** Lower-case hex HMAC of the string to sign, keyed with the bare secret. */
export function v3Sign(algorithm: string, stringToSign: string, secret: string): string {
  return createHmac(digestOf(algorithm), secret).update(stringToSign, 'utf8').digest('hex');
}

/** Hex digest of a request body with the algorithm's hash (what `x-acs-content-sha256` should hold). */
export function v3PayloadHash(algorithm: string, body: Buffer): string {
  return createHash(digestOf(algorithm)).update(body).digest('hex');
}

/** Convenience for clients and tests: the full `Authorization` value for a request. */
export function v3Authorization(algorithm: string, accessKeyId: string, secret: string, canonical: V3CanonicalInput): string {
  const signature = v3Sign(algorithm, v3StringToSign(algorithm, v3CanonicalRequest(canonical)), secret);
  return `${algorithm} Credential=${accessKeyId},SignedHeaders=${canonical.signedHeaders.join(';')},Signature=${signature}`;
}

export type V3Verification = { ok: true } | { ok: false; stringToSign: string; canonicalRequest: string };

/**
 * Checks a V3 signature. Tries encoded query keys (the specification), then raw keys
 * (openapi-core) when they differ. On failure returns the specification's string to sign.
 */
export function verifyV3(auth: V3Authorization, canonical: Omit<V3CanonicalInput, 'signedHeaders' | 'encodeKeys'>, secret: string): V3Verification {
  const base = { ...canonical, signedHeaders: auth.signedHeaders };
  const canonicalRequest = v3CanonicalRequest(base);
  const stringToSign = v3StringToSign(auth.algorithm, canonicalRequest);
  if (constantTimeEqual(v3Sign(auth.algorithm, stringToSign, secret), auth.signature)) return { ok: true };
  if (canonical.query.some(([k]) => percentEncode(k) !== k)) {
    const rawKeys = v3StringToSign(auth.algorithm, v3CanonicalRequest({ ...base, encodeKeys: false }));
    if (constantTimeEqual(v3Sign(auth.algorithm, rawKeys, secret), auth.signature)) return { ok: true };
  }
  return { ok: false, stringToSign, canonicalRequest };
}

function digestOf(algorithm: string): string {
  const digest = V3_ALGORITHMS.get(algorithm);
  if (digest === undefined) throw incompleteSignature(`Signature algorithm "${algorithm}" is not supported.`);
  return digest;
}

/** The path with `+`→`%20`, `*`→`%2A`, `%7E`→`~`, as openapi-core does to the pathname it sends. */
function canonicalUri(path: string): string {
  return path.replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
}

function canonicalQuery(query: readonly ParamPair[], encodeKeys: boolean): string {
  const entries = query.map(([k, v]): [string, string] => [encodeKeys ? percentEncode(k) : k, percentEncode(v)]);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return entries.map(([k, v]) => `${k}=${v}`).join('&');
}

/** `name:v1,v2\n` per signed header; repeated values are trimmed, sorted and joined with `,`. */
function canonicalHeaders(headers: RawRequest['headers'], signedHeaders: readonly string[]): string {
  let out = '';
  for (const name of signedHeaders) {
    let values = headerValues(headers, name);
    if (values.length === 0 && name === 'host') values = headerValues(headers, ':authority');
    out += `${name}:${values.map(canonicalHeaderValue).sort().join(',')}\n`;
  }
  return out;
}

/**
 * One header value as the canonical headers sign it: without the spaces and horizontal tabs
 * around it (the V3 rule "trim the value"; RFC 9110's optional white space, which Node's
 * parser drops already, so what Kiln reads is what was signed). Nothing else is trimmed, in
 * particular not U+00A0 (byte 0xA0, which Node reads as latin1): JavaScript's `trim()` would
 * strip it, so `nonce` and `nonce\xA0` signed alike and a captured request could be replayed
 * under ever new nonces. The SDKs disagree on it anyway (openapi-core and Python strip it,
 * Java's `trim()` and Go's `TrimSpace` on the raw byte do not), and none sends it in a header
 * it signs. Written as a loop: a regular expression anchored at the end is quadratic on a
 * long run of spaces inside a value.
 */
export function canonicalHeaderValue(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOptionalWhiteSpace(value.charCodeAt(start))) start++;
  while (end > start && isOptionalWhiteSpace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function isOptionalWhiteSpace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
