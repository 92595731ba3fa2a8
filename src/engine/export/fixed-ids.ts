import { createHash } from 'node:crypto';

/**
 * A UUID (version 4 layout, RFC 4122 variant) derived from `seed` and `purpose`, so that the
 * identifiers a disk format would pick at random (partition table, filesystem, hash seed,
 * image UUIDs) are the same each time the same image is exported, and differ between purposes.
 */
export function derivedUuid(seed: string, purpose: string): string {
  const b = createHash('sha256').update(`${seed}\0${purpose}`).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The 16 bytes of a UUID string, in the order they are written (RFC 4122, big-endian). */
export function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}
