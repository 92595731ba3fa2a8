import { fault } from '../domain/errors.js';

/*
 * NextToken carries the keyset position (the sequence of the last row returned). It is
 * opaque to clients; a version prefix lets the format change without accepting old tokens
 * as something else.
 */
const PREFIX = 'k1.';

export function encodeNextToken(afterSeq: number | undefined): string {
  return afterSeq === undefined ? '' : Buffer.from(`${PREFIX}${afterSeq}`).toString('base64url');
}

/** Decodes a client's NextToken; anything Kiln did not issue is `Invalid.NextToken`. */
export function decodeNextToken(token: string | undefined): number | undefined {
  if (token === undefined || token === '') return undefined;
  const text = /^[A-Za-z0-9_-]{1,64}$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  const m = /^k1\.(\d{1,15})$/.exec(text);
  if (!m) throw fault('Invalid.NextToken');
  return Number(m[1]);
}

/** `MaxResults` of the keyset-paged Describe calls: 1–500, default 50 (checked by the wire spec). */
export const MAX_RESULTS_DEFAULT = 50;
export const MAX_RESULTS_LIMIT = 500;
