import { timingSafeEqual } from 'node:crypto';

/** Compares two signature strings without leaking where they differ (only their lengths). */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
