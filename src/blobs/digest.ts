import { createHash, type Hash } from 'node:crypto';

/** A content digest as OCI writes it: `sha256:` followed by 64 lowercase hex digits. */
export type Digest = `sha256:${string}`;

const DIGEST = /^sha256:([0-9a-f]{64})$/;

/** True when `value` is a well-formed sha256 digest. */
export function isDigest(value: string): value is Digest {
  return DIGEST.test(value);
}

/** The hex part of a digest; throws on anything that is not `sha256:<64 hex>`. */
export function digestHex(digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m) throw new Error(`not a sha256 digest: ${JSON.stringify(digest)}`);
  return m[1]!;
}

/** A new sha256 hash for streaming. */
export function newDigester(): Hash {
  return createHash('sha256');
}

/** `sha256:<hex>` of a finished hash. */
export function digestOf(hash: Hash): Digest {
  return `sha256:${hash.digest('hex')}`;
}

/** `sha256:<hex>` of bytes in memory. */
export function digestBytes(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
