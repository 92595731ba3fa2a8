import { createHash } from 'node:crypto';
import { DEFAULT_PATH, type ImageConfigState } from '../image-config.js';
import type { LayerStore } from '../layers/layer-store.js';
import { formatDeb822Sources, readDebianSources, type DebianSources } from './apt-sources.js';
import type { BaseLayer } from './busybox.js';
import { finishDebianTree } from './debian-tree.js';
import { mmdebstrapMinbase } from './mmdebstrap.js';
import { hostBase, makeRecordedBase, sharedBuild } from './recorded-base.js';

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

const inflight = new Map<string, Promise<DebianBaseLayer>>();

/**
 * The Debian minbase image's rootfs layer, made on first use and kept. `mmdebstrap
 * --variant=minbase` bootstraps the first suite of the machine's configured Debian mirror (see
 * `readDebianSources`) into a staging folder under `<layers>/tmp`, in its own mount namespace
 * (`--mode=unshare`: nothing stays mounted if it dies); the tree is finished (see
 * `finishDebianTree`), captured as ONE layer into the blob store and moved into the layer
 * store; only then is the base recorded for every host (`layers.baseImages`), so a crash
 * part-way leaves no layer and no record, only a staging folder that the next build sweeps (see
 * `makeRecordedBase`). A host with the same key fetches the layer instead of making it; one
 * that cannot make it (no mirror reachable) builds on the newest one another host made (`hostBase`). The key is the mirror, the sources, the suite, the architecture and the
 * recipe version.
 *
 * Callers at the same time share one build; a failed build is not remembered (the next call tries again).
 */
export function ensureDebianMinbase(layers: LayerStore, options: DebianOptions = {}): Promise<DebianBaseLayer> {
  return sharedBuild(inflight, `${layers.root}\0debian-minbase`, () => buildOnce(layers, options));
}

/** The cache key of the base for these sources: what it is made from and how. */
export function debianBaseKey(sources: DebianSources): string {
  const what = JSON.stringify({ recipe: RECIPE_VERSION, arch: process.arch, mirror: sources.mirror, suite: sources.suite, sources: formatDeb822Sources(sources.sources) });
  const suite = sources.suite.replace(/[^A-Za-z0-9._-]/g, '_');
  return `debian-minbase-${suite}-${createHash('sha256').update(what).digest('hex').slice(0, 32)}-r${RECIPE_VERSION}`;
}

async function buildOnce(layers: LayerStore, options: DebianOptions): Promise<DebianBaseLayer> {
  let sources: DebianSources | undefined;
  const key = async () => debianBaseKey((sources = await readDebianSources(options.sourcesFiles)));
  return hostBase<DebianBaseLayer>(layers, 'debian-minbase', key, (k) => makeRecordedBase<DebianBaseLayer>(layers, k, STAGING_PREFIX, async (root) => {
    const from = sources!;
    await mmdebstrapMinbase(root, from, options.mmdebstrap ? { mmdebstrap: options.mmdebstrap } : {});
    await finishDebianTree(root, from);
    return { mirror: from.mirror, suite: from.suite };
  }));
}
