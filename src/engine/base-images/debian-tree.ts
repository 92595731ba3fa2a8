import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathExists } from '../system/path-exists.js';
import { formatDeb822Sources, type DebianSources } from './apt-sources.js';

/** dpkg without fsync per file: builds are snapshotted as a whole, so a crash mid-install is thrown away anyway. */
const DPKG_SPEEDUP = '# Kiln: images are built in throwaway instances; skip the fsync of every unpacked file.\nforce-unsafe-io\n';
/** What container images of Debian carry: no translations, no .deb files or binary caches left in layers. */
const APT_CONTAINER_CONF = `// Kiln: keep image layers small.
Acquire::Languages "none";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
`;
/** Packages' maintainer scripts must not start services in a build instance (invoke-rc.d asks this). */
export const POLICY_RC_D = '#!/bin/sh\n# Kiln: no services are started while an image is built.\nexit 101\n';

/**
 * Finishes a freshly bootstrapped Debian tree the way every Debian base of Kiln is: apt's
 * sources at `/etc/apt/sources.list.d/debian.sources` (the machine's `deb` sources, so
 * `apt-get update` in an instance with a network uses the same mirror; keyrings named only when
 * the image has them), empty package lists and caches, dpkg without fsync, apt leaving no .deb
 * files behind, a `policy-rc.d` that stops packages starting services, empty /dev, /proc, /sys,
 * /tmp, neutral /etc/hostname and /etc/resolv.conf (instances bind-mount their own).
 */
export async function finishDebianTree(root: string, sources: DebianSources): Promise<void> {
  const at = (p: string) => join(root, p);
  await rm(at('etc/apt/sources.list'), { force: true });
  await emptyDir(at('etc/apt/sources.list.d'));
  const keyrings = new Set<string>();
  for (const s of sources.sources) if (s.signedBy && !s.signedBy.includes('\n') && (await pathExists(join(root, s.signedBy), { followSymlinks: false }))) keyrings.add(s.signedBy);
  await putFile(at('etc/apt/sources.list.d/debian.sources'), formatDeb822Sources(sources.sources, (p) => keyrings.has(p)), 0o644);
  await putFile(at('etc/apt/apt.conf.d/docker-clean'), APT_CONTAINER_CONF, 0o644);
  await rm(at('etc/dpkg/dpkg.cfg.d/99mmdebstrap'), { force: true });
  await putFile(at('etc/dpkg/dpkg.cfg.d/docker-apt-speedup'), DPKG_SPEEDUP, 0o644);
  await putFile(at('usr/sbin/policy-rc.d'), POLICY_RC_D, 0o755);
  // package lists and caches: mmdebstrap removes them; make sure of it
  await emptyDir(at('var/lib/apt/lists'), ['lock', 'partial']);
  await emptyDir(at('var/cache/apt'), ['archives']);
  await emptyDir(at('var/cache/apt/archives'), ['lock', 'partial']);
  // the runtime mounts these; the host's copies must not travel
  for (const d of ['dev', 'proc', 'sys', 'tmp']) await emptyDir(at(d));
  await putFile(at('etc/hostname'), 'debian\n', 0o644);
  await putFile(at('etc/resolv.conf'), '', 0o644);
}

/** Writes `content` at `path` (a new file, with `mode`), replacing whatever was there; makes the parent folders. */
export async function putFile(path: string, content: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await rm(path, { force: true });
  await writeFile(path, content);
  await chmod(path, mode);
}

/** Removes what a folder holds (not the folder), except `keep`; creates it when missing. */
export async function emptyDir(dir: string, keep: readonly string[] = []): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) if (!keep.includes(name)) await rm(join(dir, name), { recursive: true, force: true });
}
