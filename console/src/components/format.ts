/** How the console writes times, durations and sizes, the same on every page. */

/** A wire time (ISO 8601) in the browser's locale, date and time; the text as it is when it is not a time. */
export function formatTime(time: string | undefined): string {
  if (!time) return '';
  const d = new Date(time);
  return Number.isNaN(d.getTime()) ? time : d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' });
}

/** `4s`, `2m 05s`, `1h 02m`. */
export function formatDuration(millis: number | undefined): string {
  if (millis === undefined || !Number.isFinite(millis)) return '—';
  const s = Math.max(0, Math.round(millis / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The time of day of an epoch (ms), to the second. */
export function formatClock(epoch: number | undefined): string {
  return epoch === undefined ? '' : new Date(epoch).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** 1.2 MiB, 340 KiB, 12 B. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** An image size (GiB on the wire). */
export function formatGiB(size: number | undefined): string {
  return size === undefined ? '—' : `${size} GiB`;
}
