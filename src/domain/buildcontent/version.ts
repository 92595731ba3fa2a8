/**
 * Component versions are `<major>.<minor>.<patch>` of non-negative integers; a pattern may
 * put `*` in any part. Compared numerically, so 1.0.10 is higher than 1.0.9.
 */
const VERSION_PATTERN = /^(\d+|\*)\.(\d+|\*)\.(\d+|\*)$/;
const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

type Triple = [number, number, number];

export function isVersionPattern(s: string): boolean {
  return VERSION_PATTERN.test(s);
}

function parseVersion(v: string): Triple | undefined {
  const m = VERSION.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Whether `version` matches `pattern` part by part (`*` matches anything; `01` equals `1`). */
export function matchesVersion(pattern: string, version: string): boolean {
  const p = VERSION_PATTERN.exec(pattern);
  const v = parseVersion(version);
  if (!p || !v) return false;
  return v.every((part, i) => p[i + 1] === '*' || Number(p[i + 1]) === part);
}

/** Negative when a < b. Malformed versions sort lowest so they never win a wildcard. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a) ?? [-1, -1, -1];
  const y = parseVersion(b) ?? [-1, -1, -1];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** The highest of `items` whose version matches `pattern`, if any. */
export function highestMatching<T>(items: readonly T[], pattern: string, versionOf: (t: T) => string): T | undefined {
  let best: T | undefined;
  for (const item of items) {
    if (!matchesVersion(pattern, versionOf(item))) continue;
    if (best === undefined || compareVersions(versionOf(item), versionOf(best)) > 0) best = item;
  }
  return best;
}
