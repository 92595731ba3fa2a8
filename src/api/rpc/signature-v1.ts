import { createHmac } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';
import type { ParamPair } from './decode.js';
import { percentEncode } from './percent-encode.js';

/**
 * RPC signature V1 ("HMAC-SHA1", SignatureVersion 1.0), reference §5.4:
 *
 *   StringToSign = METHOD + "&" + "%2F" + "&" + percentEncode(k1=v1&k2=v2…)
 *   Signature    = base64(HMAC-SHA1(secret + "&", StringToSign))
 *
 * where the pairs are every parameter except `Signature`, sorted by key (UTF-16 code-unit
 * order, which is byte order for the ASCII keys of this API), keys and values percent-encoded
 * with {@link percentEncode}. Empty values are kept (`SignatureType=` from the aliyun CLI).
 */

export const V1_SIGNATURE_METHOD = 'HMAC-SHA1';
export const V1_SIGNATURE_VERSION = '1.0';

/** Parameters to sign: pairs (a repeated key keeps its last value) or a plain map. */
export type SignableParams = Iterable<readonly [string, string]> | Readonly<Record<string, string>>;

/** The sorted, encoded `k=v&…` text (without the outer encoding). `Signature` is left out. */
export function v1CanonicalizedQuery(params: SignableParams): string {
  const map = new Map<string, string>(isIterable(params) ? params : Object.entries(params));
  map.delete('Signature');
  const keys = [...map.keys()].sort();
  let out = '';
  for (const k of keys) {
    if (out.length > 0) out += '&';
    out += `${percentEncode(k)}=${percentEncode(map.get(k) as string)}`;
  }
  return out;
}

/** The V1 string to sign for an HTTP `method` (as sent, e.g. `POST`). */
export function v1StringToSign(method: string, params: SignableParams): string {
  return `${method}&%2F&${percentEncode(v1CanonicalizedQuery(params))}`;
}

/** base64 HMAC-SHA1 of `stringToSign` keyed with `secret + "&"`. */
export function v1Sign(stringToSign: string, secret: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSign, 'utf8').digest('base64');
}

/** Convenience for clients and tests: the `Signature` value for these parameters. */
export function signV1(method: string, params: SignableParams, secret: string): string {
  return v1Sign(v1StringToSign(method, params), secret);
}

export interface V1VerifyInput {
  method: string;
  query: readonly ParamPair[];
  form: readonly ParamPair[];
  /** The `Signature` parameter as received (decoded base64 text). */
  signature: string;
  secret: string;
}

export type V1Verification =
  | { ok: true }
  | {
      ok: false;
      /** The string to sign over query ∪ form: what a client should have signed. */
      stringToSign: string;
      /**
       * The signature covers the query string alone while the request also has a form body
       * (the old `aliyun/tea-rpc` DSL and rpc-util signed that way): refused, because nothing
       * vouches for the body's parameters, but worth telling the caller why.
       */
      unsignedBody: boolean;
    };

/**
 * Checks a V1 signature over query ∪ form (form wins on a shared key): every parameter the
 * request is served with must be covered by the signature. There is deliberately no fallback
 * to a signature over the query alone: it would let anyone on the path add parameters (share
 * an image with another account, change a template) to a request someone else signed.
 */
export function verifyV1(input: V1VerifyInput): V1Verification {
  const union = input.form.length === 0 ? input.query : [...input.query, ...input.form];
  const stringToSign = v1StringToSign(input.method, union);
  if (constantTimeEqual(v1Sign(stringToSign, input.secret), input.signature)) return { ok: true };
  const unsignedBody = input.form.length > 0 && constantTimeEqual(v1Sign(v1StringToSign(input.method, input.query), input.secret), input.signature);
  return { ok: false, stringToSign, unsignedBody };
}

function isIterable(p: SignableParams): p is Iterable<readonly [string, string]> {
  return typeof (p as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function';
}
