import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The kernel a VM image boots: its version and the two files under /boot of the staged tree. */
export interface FoundKernel {
  /** The kernel release, e.g. `6.1.0-57-cloud-amd64`. */
  version: string;
  /** Host paths (inside the tree) of `/boot/vmlinuz-<version>` and `/boot/initrd.img-<version>`. */
  kernel: string;
  initrd: string;
  /** Their sizes in bytes (regular files, read by lstat: never through a link). */
  kernelBytes: number;
  initrdBytes: number;
}

/**
 * The kernel of the (hostile) tree `treeDir` (Guest contract, see `newestKernel`), `/boot`
 * itself a real directory. A symlink anywhere on the way (pointing out of the tree or not) does
 * not count: the export copies these files, and a link could name a file of the host. Undefined
 * when the tree has no kernel (it is then exported as a plain disk, `Bootable=false`).
 */
export async function findKernel(treeDir: string): Promise<FoundKernel | undefined> {
  const boot = join(treeDir, 'boot');
  if (!(await lstat(boot).catch(() => undefined))?.isDirectory()) return undefined;
  const found = await newestKernel(await readdir(boot), (name) => lstat(join(boot, name)).catch(() => undefined));
  if (!found) return undefined;
  const { version, kernel, initrd } = found;
  return { version, kernel: join(boot, `vmlinuz-${version}`), initrd: join(boot, `initrd.img-${version}`), kernelBytes: kernel.size, initrdBytes: initrd.size };
}

/**
 * The Guest contract's choice of kernel among the names of an image's `/boot`: the newest
 * version (`compareVersions`) that has both `vmlinuz-<version>` and `initrd.img-<version>` as
 * regular files, as `statOf` (never following a link) sees them. Versions with characters a
 * boot loader's config cannot hold (spaces, quotes, line breaks) are skipped. Shared by the
 * export (a staged tree) and the choice of a VM test (the image's layers).
 */
export async function newestKernel<S extends { isFile(): boolean }>(
  bootNames: Iterable<string>,
  statOf: (name: string) => Promise<S | undefined>,
): Promise<{ version: string; kernel: S; initrd: S } | undefined> {
  const versions = [...bootNames].filter((n) => n.startsWith('vmlinuz-')).map((n) => n.slice('vmlinuz-'.length));
  versions.sort(compareVersions).reverse();
  for (const version of versions) {
    if (!/^[A-Za-z0-9._+~-]+$/.test(version)) continue;
    const [kernel, initrd] = await Promise.all([statOf(`vmlinuz-${version}`), statOf(`initrd.img-${version}`)]);
    if (kernel?.isFile() && initrd?.isFile()) return { version, kernel, initrd };
  }
  return undefined;
}

/**
 * Orders kernel releases as dpkg orders their package versions for the common forms
 * (`6.1.0-57-cloud-amd64` < `6.1.0-58-cloud-amd64` < `6.10.1-1-amd64`): runs of digits compare
 * as numbers, other runs as text.
 */
export function compareVersions(a: string, b: string): number {
  const split = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pn = /^\d/.test(p);
    const qn = /^\d/.test(q);
    if (pn && qn && Number(p) !== Number(q)) return Number(p) - Number(q);
    if (pn !== qn) return pn ? 1 : -1;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}
