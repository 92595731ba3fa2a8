/**
 * Each dir once, at its topmost position. overlayfs refuses a lower dir given twice (ELOOP), yet
 * the same layer dir comes up again: an image may list one layer more than once (steps that
 * change nothing all give the same empty layer), and a layer taken from the step cache may equal
 * an earlier one. Dropping the lower copies changes nothing: whatever a layer provides, its
 * topmost copy provides above everything the lower copies were under.
 */
export function topmostOnce(dirs: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let i = dirs.length - 1; i >= 0; i--) {
    if (seen.has(dirs[i]!)) continue;
    seen.add(dirs[i]!);
    out.unshift(dirs[i]!);
  }
  return out;
}
