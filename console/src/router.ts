import { useEffect, useState } from 'preact/hooks';

/**
 * The console's router: paths under `/console/` in the History API, so every page has an
 * address that can be bookmarked, reloaded and opened in a new tab (the server answers any
 * `/console/…` path with the app).
 */

export const BASE = '/console';

/** A location inside the console: the path after `/console` and the query. */
export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  const path = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) || '/' : '/';
  return { path, query: new URLSearchParams(window.location.search) };
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => {
  for (const l of listeners) l();
});

/** Goes to `to` (a console path such as `/templates?status=FAILED`); `replace` keeps history short. */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = `${BASE}${to}`;
  if (opts.replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  for (const l of listeners) l();
  if (!opts.replace) window.scrollTo(0, 0);
}

/** The current location; re-renders the caller when it changes. */
export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const on = () => setLoc(current());
    listeners.add(on);
    return () => {
      listeners.delete(on);
    };
  }, []);
  return loc;
}

/**
 * Matches `path` against a pattern such as `/templates/:id`; the named parts, decoded, or
 * undefined when it does not match.
 */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i]!;
    if (part.startsWith(':')) {
      // A malformed escape in a typed or pasted address is no page, not a crash of the app.
      try {
        out[part.slice(1)] = decodeURIComponent(s[i]!);
      } catch {
        return undefined;
      }
    } else if (part !== s[i]) return undefined;
  }
  return out;
}

/** Replaces the query of the current page (filters, paging) without a new history entry. */
export function setQuery(values: Record<string, string | undefined>): void {
  const loc = current();
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || v === '') loc.query.delete(k);
    else loc.query.set(k, v);
  }
  const q = loc.query.toString();
  navigate(`${loc.path}${q ? `?${q}` : ''}`, { replace: true });
}
