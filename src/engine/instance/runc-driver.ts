import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, realpath, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InstanceCgroup } from './cgroups.js';
import { CleanupStack } from './cleanup-stack.js';
import { createDisk, removeDisk } from './disk.js';
import { parseRange, type AddressRange } from './address-ranges.js';
import type { Instance, InstanceDriver, InstanceSpec } from './instance.js';
import { InstanceNetwork } from './instance-network.js';
import { InstancePaths } from './instance-paths.js';
import { IdSlots } from './id-slots.js';
import { makePrivateDir } from '../system/private-dir.js';
import { idmapMounts, shiftOwnership } from './idmap.js';
import { LayerViews } from './layer-views.js';
import { findLeftovers, reapLeftovers, type LeftoverRoots } from './leftovers.js';
import { mountTmpfs, removeUnmounted, unmount } from './mounts.js';
import { Runc } from './runc.js';
import { RuncInstance } from './runc-instance.js';

export interface RuncDriverOptions {
  /** Kiln's data folder; instances live in `<dataDir>/instances/<name>`. */
  dataDir: string;
  /** runc binary (default: `runc` on the PATH). */
  runcBinary?: string;
  /** runc's state folder (default: runc's own, /run/runc). */
  runcRoot?: string;
  /** Process limit per instance (default 16384): stops fork bombs, not builds. */
  pidsLimit?: number;
  /**
   * CIDR blocks of private ranges that networked instances may reach (`KILN_NETWORK_ALLOW`;
   * default none). The host's own addresses stay unreachable whatever this says.
   */
  networkAllow?: readonly string[];
  /**
   * The machine-wide folder for what runc must reach from inside a build's user namespace (the
   * steps' root filesystems) and for the id-range claims (default /run/kiln).
   */
  runDir?: string;
  /** First host id of the instances' id ranges (`KILN_INSTANCE_ID_BASE`; default 2^31). */
  idBase?: number;
  /** How many 65536-id ranges there are (`KILN_INSTANCE_ID_RANGES`; default 4096): instances at once on the machine. */
  idSlots?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})$/;
const MiB = 1024 * 1024;

/**
 * Intermediate instances as runc containers over overlayfs (see `RuncInstance`). Creating one
 * builds, in order, each undone in reverse by `destroy()` or by a failure part-way:
 * its folder → its range of host ids (see `IdSlots`) → its run folder (owned by the range's
 * root) → its ext4 disk (sparse file, loop-mounted nosuid,nodev) and the disk's idmapped view →
 * its /tmp tmpfs and that one's idmapped view → its cgroup with the memory/CPU/pids limits → its
 * network namespace (and slirp4netns and the egress filter for `user` networking) → idmapped
 * views of its layers (more as steps from the cache are stacked).
 *
 * Steps run in a user namespace mapping container ids 0…65535 to the instance's range. Files
 * keep real ids everywhere the engine reads or shares them (layer store, layers captured from
 * the disk's view, /tmp snapshots), so root-owned files are owned by 0 in every layer.
 *
 * The data dir is made 0700 (and `instances/` in it): other host users reach nothing there, not
 * a setuid binary or a device node of a layer, nor an instance's disk.
 */
export class RuncInstanceDriver implements InstanceDriver {
  readonly runc: Runc;
  private readonly configuredRoot: string;
  private resolvedRoot: string | undefined;
  private readonly networkAllow: AddressRange[];
  private readonly runDir: string;
  private readonly ids: IdSlots;
  private runRoot: string | undefined;

  constructor(private readonly options: RuncDriverOptions) {
    this.configuredRoot = join(options.dataDir, 'instances');
    this.runDir = options.runDir ?? '/run/kiln';
    this.ids = new IdSlots({ base: options.idBase, slots: options.idSlots, claimsDir: join(this.runDir, 'id-slots') });
    this.networkAllow = (options.networkAllow ?? []).map((r) => parseRange(r));
    this.runc = new Runc(options.runcBinary ?? 'runc', options.runcRoot);
  }

  /**
   * `<dataDir>/instances`, created and with symlinks resolved: the kernel lists mount points by
   * their real path, and unmounting and leftover checks compare against it.
   */
  async instancesRoot(): Promise<string> {
    if (this.resolvedRoot === undefined) {
      await mkdir(this.configuredRoot, { recursive: true, mode: 0o700 });
      makePrivateDir(this.options.dataDir, 'data dir');
      await chmod(this.configuredRoot, 0o700);
      this.resolvedRoot = await realpath(this.configuredRoot);
    }
    return this.resolvedRoot;
  }

  /**
   * `<runDir>/instances/<hash of instancesRoot>`: where the instances' run folders are (see
   * `InstancePaths`), 0711 down from `runDir` so runc's setup, as an instance's root, can pass.
   * The last instance out removes the hash folder (`create` makes it again).
   */
  private async roots(): Promise<LeftoverRoots> {
    const instances = await this.instancesRoot();
    if (this.runRoot === undefined) {
      const parent = join(this.runDir, 'instances');
      await mkdir(parent, { recursive: true, mode: 0o711 });
      for (const d of [this.runDir, parent]) await chmod(d, 0o711);
      this.runRoot = join(await realpath(parent), createHash('sha256').update(instances).digest('hex').slice(0, 16));
    }
    return { instances, run: this.runRoot, ids: this.ids };
  }

  /** Makes `runDir` in `runRoot` (made again when the last instance of another process just removed it). */
  private async makeRunDir(runRoot: string, runDir: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await mkdir(runRoot, { recursive: true, mode: 0o711 });
      try {
        await mkdir(runDir, { mode: 0o700 });
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw err;
      }
    }
  }

  async create(spec: InstanceSpec): Promise<Instance> {
    validate(spec);
    const roots = await this.roots();
    const paths = new InstancePaths(roots.instances, spec.name, roots.run);
    const memoryBytes = Math.round(spec.memoryMiB * MiB);
    const diskBytes = Math.round((spec.diskMiB ?? spec.diskGiB * 1024) * MiB);
    const stack = new CleanupStack();
    return stack.guard(async () => {
      await mkdir(paths.dir, { mode: 0o700 }); // fails when the name is taken
      stack.push('instance folder', () => removeUnmounted(paths.dir));
      const claim = await this.ids.claim(paths.dir);
      stack.push('id range', () => claim.release());
      const range = claim.range;

      await this.makeRunDir(roots.run, paths.runDir);
      stack.push('run folder', async () => {
        await removeUnmounted(paths.runDir);
        await rmdir(roots.run).catch(() => undefined); // ENOTEMPTY while other instances live
      });
      await chown(paths.runDir, range.hostId, range.hostId);
      await mkdir(paths.rootfs);
      stack.push('rootfs mount', () => unmount(paths.rootfs)); // only mounted while a step runs

      await mkdir(paths.disk);
      await createDisk(paths.image, paths.disk, diskBytes);
      stack.push('disk', () => removeDisk(paths.image, paths.disk));
      await mkdir(join(paths.disk, 'steps'));
      await mkdir(paths.view);
      stack.push('disk view', () => unmount(paths.view));
      await idmapMounts(range, [{ source: paths.disk, target: paths.view }], { direction: 'toContainer', readOnly: true, noexec: true });

      const network = new InstanceNetwork(`kiln-${spec.name}`, spec.network, this.networkAllow);
      await writeInitLayer(paths.init);
      await shiftOwnership(paths.init, range);
      await writeEtcFiles(paths.etc, spec.hostname, network);
      await shiftOwnership(paths.etc, range);

      await mkdir(paths.tmp);
      await mountTmpfs(paths.tmp, memoryBytes);
      stack.push('/tmp tmpfs', () => unmount(paths.tmp));
      await mkdir(paths.tmpView);
      stack.push('/tmp view', () => unmount(paths.tmpView));
      await idmapMounts(range, [{ source: paths.tmp, target: paths.tmpView }], { direction: 'toHost' });

      const cgroup = await InstanceCgroup.create(spec.name, { memoryBytes, cpus: spec.cpus, pids: this.options.pidsLimit ?? 16384 });
      stack.push('cgroups', () => cgroup.remove());

      await network.start();
      stack.push('network', () => network.stop());

      const views = new LayerViews(paths.lowers, range, stack);
      await views.of(spec.layers);
      return new RuncInstance({ spec, paths, runc: this.runc, cgroup, network, stack, tmpBytes: memoryBytes, range, views });
    });
  }

  async leftovers(namePrefix: string): Promise<string[]> {
    return findLeftovers(this.runc, await this.roots(), namePrefix);
  }

  /**
   * Removes whatever `leftovers` finds (containers, mounts, slirp4netns, namespaces, cgroups,
   * loop devices, folders), e.g. after a crash of the engine. Not for live instances.
   */
  async reap(namePrefix: string): Promise<void> {
    const roots = await this.roots();
    await reapLeftovers(this.runc, roots, namePrefix);
    await rmdir(roots.run).catch(() => undefined);
  }
}

function validate(spec: InstanceSpec): void {
  if (!NAME.test(spec.name)) throw new Error(`bad instance name ${JSON.stringify(spec.name)}`);
  if (!HOSTNAME.test(spec.hostname)) throw new Error(`bad hostname ${JSON.stringify(spec.hostname)}`);
  if (!(spec.cpus > 0)) throw new Error('cpus must be > 0');
  if (!(spec.memoryMiB >= 6)) throw new Error('memoryMiB must be at least 6');
  const diskMiB = spec.diskMiB ?? spec.diskGiB * 1024;
  if (!(diskMiB >= 16)) throw new Error('the disk must be at least 16 MiB');
  if (spec.network !== 'none' && spec.network !== 'user') throw new Error(`bad network ${JSON.stringify(spec.network)}`);
  if (spec.layers.length === 0) throw new Error('an instance needs at least one layer');
}

/** The lowest layer: mount points runc needs, so it never creates them in a step's upper dir. */
async function writeInitLayer(dir: string): Promise<void> {
  for (const d of ['etc', 'proc', 'sys', 'dev', 'tmp']) await mkdir(join(dir, d), { recursive: true, mode: 0o755 });
  await chmod(join(dir, 'tmp'), 0o1777);
  for (const f of ['hosts', 'hostname', 'resolv.conf']) await writeFile(join(dir, 'etc', f), '', { mode: 0o644 });
}

async function writeEtcFiles(dir: string, hostname: string, network: InstanceNetwork): Promise<void> {
  await mkdir(dir);
  const hosts = `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${network.address}\t${hostname}\n`;
  await writeFile(join(dir, 'hosts'), hosts, { mode: 0o644 });
  await writeFile(join(dir, 'hostname'), `${hostname}\n`, { mode: 0o644 });
  await writeFile(join(dir, 'resolv.conf'), network.resolvConf, { mode: 0o644 });
}
