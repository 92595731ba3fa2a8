/**
 * Request time of a signed request (V1 `Timestamp`, V3 `x-acs-date`): ISO-8601 UTC,
 * `yyyy-MM-ddTHH:mm:ssZ`, optionally with fractional seconds (`…:ss.SSSZ`).
 */

/** How far a request time may be from the server clock, either way, and how long a nonce is remembered. */
export const SIGNATURE_WINDOW_MS = 15 * 60 * 1000;

const FORMAT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/** Parses a request time; `undefined` when it is not in the accepted format or not a real date. */
export function parseSignatureTime(value: string): Date | undefined {
  const m = FORMAT.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const d = new Date(t);
  if (d.getUTCDate() !== day || d.getUTCMonth() !== month - 1) return undefined; // 2026-02-30 and the like
  return d;
}

/**
 * True when `requestTime` is less than {@link SIGNATURE_WINDOW_MS} from `now`, either way.
 * Exclusive, to match the nonce records: one is kept until `max(claim time, request time) +
 * window` and may be taken over from that instant on (`expires_at <= now`). At any instant a
 * process either accepts a request's time or may take its nonce over, never both, whatever its
 * clock: a replay always meets the record or an expired timestamp.
 */
export function withinSignatureWindow(requestTime: Date, now: Date): boolean {
  return Math.abs(now.getTime() - requestTime.getTime()) < SIGNATURE_WINDOW_MS;
}
