const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * A byte count for messages: `1000 bytes`, `24 KiB`, `16 MiB`, `1.5 GiB`. Whole multiples of a
 * unit are printed exactly (a setting of 16 MiB reads as `16 MiB`); others with one decimal below
 * 10 of their unit and none above.
 */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${n} bytes`;
  if (Number.isInteger(v)) return `${v} ${UNITS[u]}`;
  return `${v.toFixed(v < 10 ? 1 : 0)} ${UNITS[u]}`;
}
