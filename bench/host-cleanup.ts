import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

/*
 * What the Kiln vs buildah bench leaves on the host, removed synchronously (cleanup also runs
 * on exit): the mounts under a folder, then the folder.
 */

/** A progress line on stderr. */
export const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

/** Every mount point at or under `dir` (this mount namespace), deepest first. */
function mountsUnder(dir: string): string[] {
  let info: string;
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const unescapeOctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const out: string[] = [];
  for (const line of info.split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const p = unescapeOctal(mp);
    if (p === dir || p.startsWith(`${dir}/`)) out.push(p);
  }
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

export function unmountAll(dir: string): void {
  for (let pass = 0; pass < 3; pass++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) return;
    for (const m of mounts) {
      if (spawnSync('umount', [m], { stdio: 'ignore' }).status !== 0) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    }
  }
}

export function removeTree(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch (err) {
    log(`could not remove ${dir}: ${(err as Error).message}`);
  }
}
