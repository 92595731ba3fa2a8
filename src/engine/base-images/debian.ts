import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEFAULT_PATH, type ImageConfigState } from '../image-config.js';
import type { LayerStore } from '../layers/layer-store.js';
import { CommandError, runCommand } from '../system/run-command.js';
import { formatDeb822Sources, readDebianSources, type DebianSources } from './apt-sources.js';
import type { BaseLayer } from './busybox.js';

/** Bumped whenever the recipe below changes (a new recipe is a new cache key). */
const RECIPE_VERSION = 1;
/** Staging folders under `<layers>/tmp` are named `<prefix><pid>-<random>`, so a later build can sweep a dead process's. */
const STAGING_PREFIX = 'debian-minbase-';

/** The Debian minbase image's single layer, and where it came from. */
export interface DebianBaseLayer extends BaseLayer {
  mirror: string;
  suite: string;
  /** How long mmdebstrap and the capture took when it was made, in seconds. */
  buildSeconds: number;
}

export interface DebianOptions {
  /** The mmdebstrap command (default: `mmdebstrap` on the PATH). */
  mmdebstrap?: string;
  /** Where the machine's apt sources are read from (default: the system's files). */
  sourcesFiles?: { deb822?: string; oneLine?: string };
}

/** The image configuration of the Debian base: what `docker run debian` would give, plus /root as the working dir. */
export const DEBIAN_CONFIG: Partial<ImageConfigState> = {
  env: [['PATH', DEFAULT_PATH]],
  workingDir: '/root',
  user: 'root',
};

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
const POLICY_RC_D = '#!/bin/sh\n# Kiln: no services are started while an image is built.\nexit 101\n';

const inflight = new Map<string, Promise<DebianBaseLayer>>();

/**
 * The Debian minbase image's rootfs layer, made on first use and kept. `mmdebstrap
 * --variant=minbase` bootstraps the first suite of the machine's configured Debian mirror (see
 * `readDebianSources`) into a staging folder under `<layers>/tmp`, in its own mount namespace
 * (`--mode=unshare`: nothing stays mounted if it dies); the tree is finished (below), captured
 * as ONE layer into the blob store and moved into the layer store; only then is the record
 * `<layers>/../base-images/<key>.json` written, so a crash part-way leaves no layer and no
 * record, only a staging folder that the next build sweeps. The key is the mirror, the
 * sources, the suite, the architecture and the recipe version.
 *
 * The finished tree: apt's sources at `/etc/apt/sources.list.d/debian.sources` (the machine's
 * `deb` sources, so `apt-get update` in an instance with a network uses the same mirror), empty
 * package lists and caches, dpkg without fsync, apt leaving no .deb files behind, a
 * `policy-rc.d` that stops packages starting services, empty /dev, /proc, /sys, neutral
 * /etc/hostname and /etc/resolv.conf (instances bind-mount their own).
 *
 * Callers at the same time share one build; a failed build is not remembered (the next call tries again).
 */
export function ensureDebianMinbase(layers: LayerStore, options: DebianOptions = {}): Promise<DebianBaseLayer> {
  const key = `${layers.root}\0debian-minbase`;
  let p = inflight.get(key);
  if (!p) {
    p = buildOnce(layers, options).finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  return p;
}

/** The cache key of the base for these sources: what it is made from and how. */
export function debianBaseKey(sources: DebianSources): string {
  const what = JSON.stringify({ recipe: RECIPE_VERSION, arch: process.arch, mirror: sources.mirror, suite: sources.suite, sources: formatDeb822Sources(sources.sources) });
  const suite = sources.suite.replace(/[^A-Za-z0-9._-]/g, '_');
  return `debian-minbase-${suite}-${createHash('sha256').update(what).digest('hex').slice(0, 32)}-r${RECIPE_VERSION}`;
}

async function buildOnce(layers: LayerStore, options: DebianOptions): Promise<DebianBaseLayer> {
  const sources = await readDebianSources(options.sourcesFiles);
  const key = debianBaseKey(sources);
  const recordDir = layers.baseImagesDir;
  const record = join(recordDir, `${key}.json`);
  try {
    const saved = JSON.parse(await readFile(record, 'utf8')) as DebianBaseLayer;
    if ((await layers.has(saved.diffId)) && (await layers.blobs.has(saved.digest))) return { ...saved, dir: layers.dirOf(saved.diffId) };
  } catch {
    // not made yet
  }

  const started = Date.now();
  await layers.removeStaleStaging();
  const { dir: root, top } = await layers.staging(STAGING_PREFIX);
  try {
    await bootstrap(root, sources, options.mmdebstrap ?? 'mmdebstrap');
    await finishRootfs(root, sources);
    const blob = await layers.capture(root);
    const dir = await layers.adopt(root, blob.diffId);
    const base: DebianBaseLayer = {
      key, digest: blob.digest, diffId: blob.diffId, size: blob.size, dir,
      mirror: sources.mirror, suite: sources.suite, buildSeconds: Math.round((Date.now() - started) / 1000),
    };
    await mkdir(recordDir, { recursive: true });
    const temp = `${record}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(base, null, 2));
    await rename(temp, record);
    return base;
  } finally {
    await rm(top, { recursive: true, force: true });
  }
}

/** mmdebstrap into `root`, reading the machine's sources from standard input; it dies with us (`setpriv --pdeathsig`). */
async function bootstrap(root: string, sources: DebianSources, mmdebstrap: string): Promise<void> {
  const https = sources.sources.some((s) => s.uris.some((u) => u.startsWith('https:')));
  const args = [
    '--variant=minbase',
    '--mode=unshare',
    '--format=directory',
    '--dpkgopt=force-unsafe-io',
    ...(https ? ['--include=ca-certificates'] : []),
    sources.suite,
    root,
    '-',
  ];
  const [file, argv] = (await hasSetpriv()) ? ['setpriv', ['--pdeathsig', 'KILL', '--', mmdebstrap, ...args]] : [mmdebstrap, args];
  try {
    await runCommand(file, argv, { input: formatDeb822Sources(sources.sources) });
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    const tail = (err.result.stderr.trim() || err.result.stdout.trim()).split('\n').slice(-12).join('\n');
    throw new Error(`mmdebstrap --variant=minbase ${sources.suite} from ${sources.mirror} exited ${err.result.code}: ${tail}`);
  }
}

let setprivKnown: Promise<boolean> | undefined;
function hasSetpriv(): Promise<boolean> {
  setprivKnown ??= runCommand('setpriv', ['--help'], { allowFailure: true }).then((r) => r.code === 0 && r.stdout.includes('--pdeathsig'));
  return setprivKnown;
}

async function finishRootfs(root: string, sources: DebianSources): Promise<void> {
  const at = (p: string) => join(root, p);
  // apt: the machine's sources (keyrings kept only when the image has them), nothing else
  await rm(at('etc/apt/sources.list'), { force: true });
  await emptyDir(at('etc/apt/sources.list.d'));
  const keyrings = new Set<string>();
  for (const s of sources.sources) if (s.signedBy && !s.signedBy.includes('\n') && (await existsNoFollow(join(root, s.signedBy)))) keyrings.add(s.signedBy);
  await put(at('etc/apt/sources.list.d/debian.sources'), formatDeb822Sources(sources.sources, (p) => keyrings.has(p)), 0o644);
  await put(at('etc/apt/apt.conf.d/docker-clean'), APT_CONTAINER_CONF, 0o644);
  await rm(at('etc/dpkg/dpkg.cfg.d/99mmdebstrap'), { force: true });
  await put(at('etc/dpkg/dpkg.cfg.d/docker-apt-speedup'), DPKG_SPEEDUP, 0o644);
  await put(at('usr/sbin/policy-rc.d'), POLICY_RC_D, 0o755);
  // package lists and caches: mmdebstrap removes them; make sure of it
  await emptyDir(at('var/lib/apt/lists'), ['lock', 'partial']);
  await emptyDir(at('var/cache/apt'), ['archives']);
  await emptyDir(at('var/cache/apt/archives'), ['lock', 'partial']);
  // the runtime mounts these; the host's copies must not travel
  for (const d of ['dev', 'proc', 'sys', 'tmp']) await emptyDir(at(d));
  await put(at('etc/hostname'), 'debian\n', 0o644);
  await put(at('etc/resolv.conf'), '', 0o644);
}

async function put(path: string, content: string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await rm(path, { force: true });
  await writeFile(path, content);
  await chmod(path, mode);
}

/** Removes what a folder holds (not the folder), except `keep`; creates it when missing. */
async function emptyDir(dir: string, keep: readonly string[] = []): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) if (!keep.includes(name)) await rm(join(dir, name), { recursive: true, force: true });
}

async function existsNoFollow(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
