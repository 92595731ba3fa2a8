import { chmod, mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InstanceCgroup } from './cgroups.js';
import { CleanupStack } from './cleanup-stack.js';
import { createDisk, removeDisk } from './disk.js';
import { parseRange, type AddressRange } from './address-ranges.js';
import type { Instance, InstanceDriver, InstanceSpec } from './instance.js';
import { InstanceNetwork } from './instance-network.js';
import { InstancePaths } from './instance-paths.js';
import { findLeftovers, reapLeftovers } from './leftovers.js';
import { mountTmpfs, unmount } from './mounts.js';
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
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})$/;
const MiB = 1024 * 1024;

/**
 * Intermediate instances as runc containers over overlayfs (see `RuncInstance`). Creating one
 * builds, in order, each undone in reverse by `destroy()` or by a failure part-way:
 * its folder → its ext4 disk (sparse file, loop-mounted) → its /tmp tmpfs → its cgroup with
 * the memory/CPU/pids limits → its network namespace (and slirp4netns and the egress filter for
 * `user` networking).
 */
export class RuncInstanceDriver implements InstanceDriver {
  readonly runc: Runc;
  private readonly configuredRoot: string;
  private resolvedRoot: string | undefined;
  private readonly networkAllow: AddressRange[];

  constructor(private readonly options: RuncDriverOptions) {
    this.configuredRoot = join(options.dataDir, 'instances');
    this.networkAllow = (options.networkAllow ?? []).map((r) => parseRange(r));
    this.runc = new Runc(options.runcBinary ?? 'runc', options.runcRoot);
  }

  /**
   * `<dataDir>/instances`, created and with symlinks resolved: the kernel lists mount points by
   * their real path, and unmounting and leftover checks compare against it.
   */
  async instancesRoot(): Promise<string> {
    if (this.resolvedRoot === undefined) {
      await mkdir(this.configuredRoot, { recursive: true });
      this.resolvedRoot = await realpath(this.configuredRoot);
    }
    return this.resolvedRoot;
  }

  async create(spec: InstanceSpec): Promise<Instance> {
    validate(spec);
    const paths = new InstancePaths(await this.instancesRoot(), spec.name);
    const memoryBytes = Math.round(spec.memoryMiB * MiB);
    const diskBytes = Math.round((spec.diskMiB ?? spec.diskGiB * 1024) * MiB);
    const stack = new CleanupStack();
    return stack.guard(async () => {
      await mkdir(paths.dir); // fails when the name is taken
      stack.push('instance folder', () => rm(paths.dir, { recursive: true, force: true }));

      await mkdir(paths.disk);
      await createDisk(paths.image, paths.disk, diskBytes);
      stack.push('disk', () => removeDisk(paths.image, paths.disk));
      await mkdir(join(paths.disk, 'steps'));
      await mkdir(paths.rootfs);
      stack.push('rootfs mount', () => unmount(paths.rootfs)); // only mounted while a step runs

      const network = new InstanceNetwork(`kiln-${spec.name}`, spec.network, this.networkAllow);
      await writeInitLayer(paths.init);
      await writeEtcFiles(paths.etc, spec.hostname, network);

      await mkdir(paths.tmp);
      await mountTmpfs(paths.tmp, memoryBytes);
      stack.push('/tmp tmpfs', () => unmount(paths.tmp));

      const cgroup = await InstanceCgroup.create(spec.name, { memoryBytes, cpus: spec.cpus, pids: this.options.pidsLimit ?? 16384 });
      stack.push('cgroups', () => cgroup.remove());

      await network.start();
      stack.push('network', () => network.stop());

      return new RuncInstance({ spec, paths, runc: this.runc, cgroup, network, stack, tmpBytes: memoryBytes });
    });
  }

  async leftovers(namePrefix: string): Promise<string[]> {
    return findLeftovers(this.runc, await this.instancesRoot(), namePrefix);
  }

  /**
   * Removes whatever `leftovers` finds (containers, mounts, slirp4netns, namespaces, cgroups,
   * loop devices, folders), e.g. after a crash of the engine. Not for live instances.
   */
  async reap(namePrefix: string): Promise<void> {
    return reapLeftovers(this.runc, await this.instancesRoot(), namePrefix);
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
