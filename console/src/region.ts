import { useEffect, useState } from 'preact/hooks';

/**
 * The region the console works in (ECS resources live in one region each). Chosen in the
 * header; remembered in localStorage (a region id is not a secret) and shared by every page.
 */

const KEY = 'kiln.console.region';
const listeners = new Set<(r: string) => void>();
let region = localStorage.getItem(KEY) ?? 'cn-hangzhou';

export function currentRegion(): string {
  return region;
}

export function setRegion(next: string): void {
  region = next;
  localStorage.setItem(KEY, next);
  for (const l of listeners) l(next);
}

/** The current region; re-renders the caller when it changes. */
export function useRegion(): string {
  const [r, setR] = useState(region);
  useEffect(() => {
    listeners.add(setR);
    return () => {
      listeners.delete(setR);
    };
  }, []);
  return r;
}
