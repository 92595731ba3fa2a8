import { invalidParameter, missingParameter } from '../../domain/errors.js';
import type { DecodedRequest } from './decode.js';
import type { NonceRegistry } from './nonce-registry.js';
import {
  accessKeyInactive,
  accessKeyNotFound,
  contentDigestDoesNotMatch,
  incompleteSignature,
  signatureDoesNotMatch,
  signatureNonceUsed,
  timestampExpired,
  timestampMalformed,
} from './protocol-errors.js';
import { headerValue, headerValues, type RawRequest } from './raw-request.js';
import { V1_SIGNATURE_METHOD, V1_SIGNATURE_VERSION, verifyV1 } from './signature-v1.js';
import { SIGNATURE_WINDOW_MS, parseSignatureTime, withinSignatureWindow } from './signature-time.js';
import { canonicalHeaderValue, isV3Authorization, parseV3Authorization, v3PayloadHash, verifyV3 } from './signature-v3.js';

/** Who signed a request. */
export interface Principal {
  accountId: string;
  accessKeyId: string;
}

/** What {@link authenticate} needs from the outside. */
export interface AuthenticateDeps {
  /** Looks an AccessKey up by id; `status` other than `Active` means disabled. */
  findAccessKey(id: string): Promise<{ secret: string; accountId: string; status: string } | undefined>;
  nonces: NonceRegistry;
  now(): Date;
}

/**
 * Authenticates a decoded RPC request and returns its principal.
 *
 * Scheme: V3 when `Authorization` starts with `ACS3-`; else V1 when a `Signature` parameter is
 * present; else `MissingParameter.Signature`.
 *
 * Only signed parameters are served: V1 signs query ∪ form body (a signature over the query
 * alone is refused when there is a body); V3 signs the query and the body's digest (a claimed
 * `x-acs-content-sha256` must be the real body's), and the headers that choose the action,
 * version or body format must be among the signed ones.
 *
 * Order of checks: shape (missing pieces) → request time → access key → signature → nonce.
 * The nonce is recorded only once the signature has verified, so a forged request cannot burn
 * a legitimate caller's nonce.
 *
 * Errors (all `KilnError`, client fault):
 * - `MissingParameter.<Name>`: no signature at all (`Signature`), or a V1 parameter missing
 *   (`AccessKeyId`, `SignatureMethod`, `SignatureVersion`, `Timestamp`, `SignatureNonce`, `Action`, `Version`),
 *   or a V3 header missing (`x-acs-date`, `x-acs-signature-nonce`).
 * - `InvalidParameter`: a nonce longer than {@link MAX_SIGNATURE_NONCE_LENGTH} characters; the
 *   V1 `SignatureNonce` or `Timestamp` parameter given more than once, or
 *   a V3 header that says what the request means (`x-acs-date`, `x-acs-signature-nonce`,
 *   `x-acs-action`, `x-acs-version`, `x-acs-content-sha256`) sent more than once or with white
 *   space around its value: the nonce is claimed, and the time checked, under exactly the text
 *   the signature covers, and a repeated header signs as its values joined.
 * - `IncompleteSignature`: unparsable Authorization, unsupported algorithm / SignatureMethod /
 *   SignatureVersion / SignatureType, or a V3 header that must be signed but is not.
 * - `InvalidTimeStamp.Format`, `InvalidTimeStamp.Expired` (15 minutes or more from the server clock).
 * - `InvalidAccessKeyId.NotFound`, `InvalidAccessKeyId.Inactive`.
 * - `SignatureDoesNotMatch` (message ends with `server string to sign is:<string to sign>`), also
 *   for a V1 signature over the query alone with a form body, and a V3 body that is not the
 *   `x-acs-content-sha256` signed for it.
 * - `SignatureNonceUsed`.
 */
export async function authenticate(req: DecodedRequest & { raw: RawRequest }, deps: AuthenticateDeps): Promise<Principal> {
  const authorization = headerValue(req.raw.headers, 'authorization');
  if (isV3Authorization(authorization)) return authenticateV3(req, authorization, deps);
  if (req.params.Signature !== undefined) return authenticateV1(req, deps);
  if (authorization !== undefined) {
    throw incompleteSignature('Only ACS3-HMAC-SHA256 Authorization headers and HMAC-SHA1 Signature parameters are supported.');
  }
  throw missingParameter('Signature');
}

async function authenticateV1(req: DecodedRequest & { raw: RawRequest }, deps: AuthenticateDeps): Promise<Principal> {
  const p = req.params;
  const accessKeyId = required(p.AccessKeyId, 'AccessKeyId');
  const method = required(p.SignatureMethod, 'SignatureMethod');
  const version = required(p.SignatureVersion, 'SignatureVersion');
  const timestamp = required(singleParam(req, 'Timestamp'), 'Timestamp');
  const nonce = boundedNonce(required(singleParam(req, 'SignatureNonce'), 'SignatureNonce'), 'SignatureNonce');
  // Action and Version must come from the signed parameters, never from the unsigned
  // x-acs-action / x-acs-version headers that decoding falls back to.
  required(p.Action, 'Action');
  required(p.Version, 'Version');
  if (method !== V1_SIGNATURE_METHOD) throw incompleteSignature(`SignatureMethod "${method.slice(0, 40)}" is not supported; use ${V1_SIGNATURE_METHOD}.`);
  if (version !== V1_SIGNATURE_VERSION) throw incompleteSignature(`SignatureVersion "${version.slice(0, 40)}" is not supported; use ${V1_SIGNATURE_VERSION}.`);
  if (p.SignatureType !== undefined && p.SignatureType !== '') {
    throw incompleteSignature(`SignatureType "${p.SignatureType.slice(0, 40)}" is not supported.`);
  }
  // One instant for the time check and the nonce claim (see claimNonce).
  const now = deps.now();
  const requestTime = checkTime(timestamp, now);

  const key = await activeKey(accessKeyId, deps);
  const result = verifyV1({
    method: req.raw.method,
    query: req.query,
    form: req.form,
    signature: p.Signature as string,
    secret: key.secret,
  });
  if (!result.ok) {
    throw signatureDoesNotMatch(
      result.stringToSign,
      result.unsignedBody ? 'The signature covers the query string only: every parameter of the form body must be signed too.' : undefined,
    );
  }

  await claimNonce(accessKeyId, nonce, requestTime, now, deps);
  return { accountId: key.accountId, accessKeyId };
}

/** V3 headers that decide what the request means and so must be covered by the signature. */
const MUST_SIGN_IF_PRESENT = ['x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'] as const;

async function authenticateV3(req: DecodedRequest & { raw: RawRequest }, authorization: string, deps: AuthenticateDeps): Promise<Principal> {
  const raw = req.raw;
  const auth = parseV3Authorization(authorization);
  const date = required(singleHeader(raw, 'x-acs-date'), 'x-acs-date');
  const nonce = boundedNonce(required(singleHeader(raw, 'x-acs-signature-nonce'), 'x-acs-signature-nonce'), 'x-acs-signature-nonce');
  const signed = new Set(auth.signedHeaders);
  for (const name of MUST_SIGN_IF_PRESENT) {
    if (raw.headers[name] === undefined) continue;
    singleHeader(raw, name);
    if (!signed.has(name)) throw incompleteSignature(`Header "${name}" must be signed.`);
  }
  if (req.form.length > 0 && !signed.has('content-type')) throw incompleteSignature('Header "content-type" must be signed.');

  const payloadHash = v3PayloadHash(auth.algorithm, raw.body);
  const claimedHash = singleHeader(raw, 'x-acs-content-sha256');
  if (claimedHash !== undefined && claimedHash.toLowerCase() !== payloadHash) throw contentDigestDoesNotMatch(payloadHash);
  const now = deps.now();
  const requestTime = checkTime(date, now);

  const key = await activeKey(auth.credential, deps);
  const result = verifyV3(
    auth,
    { method: raw.method, path: raw.path, query: req.query, headers: raw.headers, hashedPayload: claimedHash ?? payloadHash },
    key.secret,
  );
  if (!result.ok) throw signatureDoesNotMatch(result.stringToSign);

  await claimNonce(auth.credential, nonce, requestTime, now, deps);
  return { accountId: key.accountId, accessKeyId: auth.credential };
}

/**
 * The value of a V1 parameter that must be given once (query and form together): an earlier
 * copy of a repeated key is not what the signature covers (the last one is), so it is refused
 * rather than ignored.
 */
function singleParam(req: DecodedRequest, name: string): string | undefined {
  let count = 0;
  for (const [k] of req.query) if (k === name) count++;
  for (const [k] of req.form) if (k === name) count++;
  if (count > 1) throw invalidParameter(name, 'it must be given once');
  return req.params[name];
}

/**
 * The value of a V3 header that Kiln reads as well as signs, exactly as the signature covers
 * it: sent once (repeated values sign as their sorted, comma-joined list, which is not the
 * value read) and already in canonical form (no white space to trim around it).
 */
function singleHeader(raw: RawRequest, name: string): string | undefined {
  const values = headerValues(raw.headers, name);
  if (values.length > 1) throw invalidParameter(name, 'the header must be sent once');
  const value = values[0];
  if (value !== undefined && canonicalHeaderValue(value) !== value) {
    throw invalidParameter(name, 'the value must not begin or end with white space');
  }
  return value;
}

/**
 * Longest signature nonce accepted, in characters. Every nonce is remembered for the signature
 * window, so its size must be bounded. The SDKs send 32 (tea-util, alibaba-cloud-sdk-go: hex),
 * 36 (Java, Python: UUIDs) or 64 (openapi-core: SHA-256 hex) characters.
 */
export const MAX_SIGNATURE_NONCE_LENGTH = 128;

function boundedNonce(nonce: string, name: string): string {
  if (nonce.length > MAX_SIGNATURE_NONCE_LENGTH) {
    throw invalidParameter(name, `a signature nonce is at most ${MAX_SIGNATURE_NONCE_LENGTH} characters long`);
  }
  return nonce;
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw missingParameter(name);
  return value;
}

function checkTime(value: string, now: Date): Date {
  const t = parseSignatureTime(value);
  if (t === undefined) throw timestampMalformed();
  if (!withinSignatureWindow(t, now)) throw timestampExpired();
  return t;
}

async function activeKey(accessKeyId: string, deps: AuthenticateDeps): Promise<{ secret: string; accountId: string }> {
  const key = await deps.findAccessKey(accessKeyId);
  if (key === undefined) throw accessKeyNotFound();
  if (key.status !== 'Active') throw accessKeyInactive();
  return key;
}

/**
 * Records the nonce until the request time can no longer pass the window check: from
 * `expiresAt` on the record may be taken over, and the (exclusive) window refuses the request
 * time from then on. `now` is the instant the time was checked at, so the two agree.
 */
async function claimNonce(accessKeyId: string, nonce: string, requestTime: Date, now: Date, deps: AuthenticateDeps): Promise<void> {
  const expiresAt = new Date(Math.max(now.getTime(), requestTime.getTime()) + SIGNATURE_WINDOW_MS);
  if (!(await deps.nonces.claim(accessKeyId, nonce, expiresAt, now))) throw signatureNonceUsed();
}
