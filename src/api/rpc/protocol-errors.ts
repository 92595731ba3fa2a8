import { KilnError } from '../../domain/errors.js';

/**
 * The gateway-level errors of the RPC protocol (signature, time, nonce, access key), with the
 * messages the real gateway uses where they are known (reference §5.4). HTTP statuses live in
 * `http-status.ts` like every other code.
 */

/** Prefix the SDKs look for: they read the text after `server string to sign is:`. */
export const STRING_TO_SIGN_MARKER = 'server string to sign is:';

/**
 * `SignatureDoesNotMatch`; the message ends with exactly the server's string to sign. `detail`
 * (a sentence) goes before it, so the SDKs still find the string to sign at the end.
 */
export function signatureDoesNotMatch(stringToSign: string, detail?: string): KilnError {
  const why = detail === undefined ? '' : `${detail} `;
  return new KilnError('SignatureDoesNotMatch', `Specified signature is not matched with our calculation. ${why}${STRING_TO_SIGN_MARKER}${stringToSign}`);
}

/** `SignatureDoesNotMatch` for a V3 request whose `x-acs-content-sha256` is not the body's digest. */
export function contentDigestDoesNotMatch(expectedHex: string): KilnError {
  return new KilnError('SignatureDoesNotMatch', `Specified x-acs-content-sha256 is not matched with our calculation of the request body digest. server content digest is:${expectedHex}`);
}

/**
 * `IncompleteSignature`: the request carries a signature that does not follow the Alibaba Cloud
 * rules (unparsable Authorization, unsupported algorithm/method/version, unsigned required header).
 */
export function incompleteSignature(detail: string): KilnError {
  return new KilnError('IncompleteSignature', `The request signature does not conform to Aliyun standards. ${detail}`);
}

export function timestampExpired(): KilnError {
  return new KilnError('InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
}

export function timestampMalformed(): KilnError {
  return new KilnError('InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.');
}

export function signatureNonceUsed(): KilnError {
  return new KilnError('SignatureNonceUsed', 'Specified signature nonce was used already.');
}

export function accessKeyNotFound(): KilnError {
  return new KilnError('InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
}

export function accessKeyInactive(): KilnError {
  return new KilnError('InvalidAccessKeyId.Inactive', 'Specified access key is disabled.');
}
