import { KilnError, fault } from '../../domain/errors.js';

/**
 * The gateway-level errors of the RPC protocol (signature, time, nonce, access key), with the
 * messages the real gateway uses where they are known (reference §5.4); the fixed ones are the
 * registry's templates (`domain/errors/request-codes.ts`), as are the HTTP statuses.
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
  return fault('IncompleteSignature', { detail });
}

export function timestampExpired(): KilnError {
  return fault('InvalidTimeStamp.Expired');
}

export function timestampMalformed(): KilnError {
  return fault('InvalidTimeStamp.Format');
}

export function signatureNonceUsed(): KilnError {
  return fault('SignatureNonceUsed');
}

export function accessKeyNotFound(): KilnError {
  return fault('InvalidAccessKeyId.NotFound');
}

export function accessKeyInactive(): KilnError {
  return fault('InvalidAccessKeyId.Inactive');
}
