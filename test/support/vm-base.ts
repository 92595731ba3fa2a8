import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestHex } from '../../src/blobs/digest.js';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { readDebianSources } from '../../src/engine/base-images/apt-sources.js';
import { debianVmKey, ensureDebianVm, type DebianVmLayer } from '../../src/engine/base-images/debian-vm.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { runCommand } from '../../src/engine/system/run-command.js';
import { madeOncePerMachine } from './machine-cache.js';

/** The machine-wide cache of the Debian 12 VM base for tests: `<tmp>/kiln-test-vm-base/<key>/` is a Kiln data dir holding only the base. */
export const VM_BASE_CACHE = join(tmpdir(), 'kiln-test-vm-base');

let cached: Promise<{ dataDir: string; base: DebianVmLayer }> | undefined;

/**
 * Puts the Debian 12 VM base (`debian_12_x64_20G_kiln_vm.vhd`, see `ensureDebianVm`) into the
 * Kiln data dir `dataDir`, so that `ensureDebianVm` there (and so a build on that image) finds
 * it at once instead of running mmdebstrap (~45 s): call it on a test Kiln's data dir
 * (`kiln.config.dataDir`) before its first build on the VM base, or on any data dir a
 * `LayerStore` of the test uses.
 *
 * The base is built ONCE per machine (and per key: sources, recipe) into `VM_BASE_CACHE/<key>`
 * by `madeOncePerMachine` (test/support/machine-cache.ts: a lock folder with the builder's pid,
 * a temporary folder renamed into place); the bases of other keys are removed once it is built.
 * Then its blob and layer files are HARD-LINKED into `dataDir` (a copy when linking fails) and
 * its record written last, as the engine does: seeding costs about a second. The layer's files
 * are shared with the cache and every seeded data dir: never modify them in place (overlay lower
 * dirs are read only; builds, exports and GC only read or unlink them). Idempotent; safe with a
 * Kiln running on `dataDir`.
 */
export async function seedDebianVm(dataDir: string): Promise<void> {
  cached ??= sharedBase().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  const { dataDir: from, base } = await cached;
  const layers = new LayerStore(dataDir, new LocalBlobStore(join(dataDir, 'blobs')));
  const hex = digestHex(base.digest);
  await mkdir(join(dataDir, 'blobs', 'sha256'), { recursive: true });
  await linkOrCopy(join(from, 'blobs', 'sha256', hex), join(dataDir, 'blobs', 'sha256', hex));
  if (!(await layers.has(base.diffId))) {
    const { dir, top } = await layers.staging('seed-debian-vm-');
    try {
      const linked = await runCommand('cp', ['-a', '--link', '--', `${join(from, 'layers', digestHex(base.diffId), 'diff')}/.`, dir], { allowFailure: true });
      if (linked.code !== 0) await runCommand('cp', ['-a', '--reflink=auto', '--', `${join(from, 'layers', digestHex(base.diffId), 'diff')}/.`, dir]);
      await layers.adopt(dir, base.diffId);
    } finally {
      await rm(top, { recursive: true, force: true });
    }
  }
  await mkdir(layers.baseImagesDir, { recursive: true });
  const record = join(layers.baseImagesDir, `${base.key}.json`);
  const temp = `${record}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, JSON.stringify({ ...base, dir: layers.dirOf(base.diffId) }, null, 2));
  await rename(temp, record);
}

/** The machine's cached base, built here when no process has built it yet (see `madeOncePerMachine`). */
async function sharedBase(): Promise<{ dataDir: string; base: DebianVmLayer }> {
  const key = debianVmKey(await readDebianSources());
  const final = join(VM_BASE_CACHE, key);
  const base = await madeOncePerMachine({
    cacheDir: VM_BASE_CACHE,
    key,
    what: 'the Debian VM base for tests',
    find: () => finished(final, key),
    make: async (work) => {
      await ensureDebianVm(new LayerStore(work, new LocalBlobStore(join(work, 'blobs'))));
      await rename(work, final).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err; // a process that took over a lock we held as well finished first
      });
      // Bases of older recipes or sources (~800 MB each) go; data dirs seeded from them keep their links.
      for (const name of await readdir(VM_BASE_CACHE)) {
        if (/^debian-vm-[A-Za-z0-9._-]+-r\d+$/.test(name) && name !== key) await rm(join(VM_BASE_CACHE, name), { recursive: true, force: true });
      }
    },
  });
  return { dataDir: final, base };
}

async function finished(dataDir: string, key: string): Promise<DebianVmLayer | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, 'base-images', `${key}.json`), 'utf8')) as DebianVmLayer;
  } catch {
    return undefined;
  }
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'EXDEV' && code !== 'EPERM') throw err;
    const temp = `${to}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    await runCommand('cp', ['--reflink=auto', '--', from, temp]);
    await rename(temp, to);
  }
}
