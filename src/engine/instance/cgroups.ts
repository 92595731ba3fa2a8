import { readFileSync, writeFileSync, type Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** One mounted cgroup hierarchy and where this process sits in it. */
export interface CgroupHierarchy {
  /** `cgroup2` for the unified hierarchy, else the v1 controllers (`memory`, `cpu`, `name=systemd`…). */
  controllers: string[];
  mountPoint: string;
  /** The folder of this process's own cgroup in that hierarchy. */
  ownDir: string;
}

/**
 * The cgroup hierarchies of this machine (v1, hybrid or v2) and this process's place in each,
 * from /proc/self/mountinfo and /proc/self/cgroup. runc resolves a relative `cgroupsPath`
 * against the same places (its own cgroups, inherited from us), so instance cgroups nest under
 * the cgroups of the process that runs the engine.
 */
export async function cgroupHierarchies(): Promise<CgroupHierarchy[]> {
  const [mountinfo, self] = await Promise.all([readFile('/proc/self/mountinfo', 'utf8'), readFile('/proc/self/cgroup', 'utf8')]);
  const mounts: { type: string; root: string; mountPoint: string; options: string[] }[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const type = right[0];
    if (type !== 'cgroup' && type !== 'cgroup2') continue;
    mounts.push({ type, root: unescapeMount(left[3]!), mountPoint: unescapeMount(left[4]!), options: (right[2] ?? '').split(',') });
  }
  const out: CgroupHierarchy[] = [];
  for (const line of self.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const controllers = m[2] === '' ? ['cgroup2'] : m[2]!.split(',');
    const path = m[3]!;
    const mount =
      m[2] === ''
        ? mounts.find((x) => x.type === 'cgroup2')
        : mounts.find((x) => x.type === 'cgroup' && controllers.every((c) => x.options.includes(c)));
    if (!mount) continue;
    const inside = mount.root !== '/' && path.startsWith(mount.root) ? path.slice(mount.root.length) : path;
    out.push({ controllers, mountPoint: mount.mountPoint, ownDir: join(mount.mountPoint, inside) });
  }
  return out;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The limits of an instance (all of its steps together). */
export interface CgroupLimits {
  memoryBytes: number;
  /** CPUs' worth of CFS quota (1.5 = 150 ms every 100 ms). */
  cpus: number;
  pids: number;
}

const CFS_PERIOD_US = 100_000;

/*
 * The files read and written around every step (high-water marks, OOM counters, /proc/vmstat)
 * are kernel pseudo-files: they never wait for a disk, so they are read synchronously. A call
 * takes microseconds that way, against a few milliseconds of thread-pool round trips (open,
 * stat, read, close) on a busy machine, on the path of every step.
 */

/**
 * The per-instance parent cgroup `kiln-<name>` (created by us in the memory, cpu and pids
 * hierarchies, with the instance's limits). Each step's container gets a child,
 * `kiln-<name>/<container id>`, which runc creates and removes; limits set on the parent bind
 * every step. Because runc deletes the child cgroup (and with it the v1 `oom_kill` counter of
 * the killed task) as the step ends, OOM kills are detected twice over: polling the child's
 * `memory.oom_control` while the step runs, and, at the end, the parent's usage high-water mark
 * having reached the limit while the kernel's global `oom_kill` count (/proc/vmstat) went up.
 */
export class InstanceCgroup {
  private constructor(
    readonly name: string,
    private readonly hierarchies: CgroupHierarchy[],
    private readonly memoryLimit: number,
  ) {}

  /** `kiln-<instance name>` */
  static dirName(instanceName: string): string {
    return `kiln-${instanceName}`;
  }

  /** Creates the parent cgroup with its limits; on failure removes what it made. */
  static async create(instanceName: string, limits: CgroupLimits): Promise<InstanceCgroup> {
    const hierarchies = await cgroupHierarchies();
    const cg = new InstanceCgroup(InstanceCgroup.dirName(instanceName), hierarchies, limits.memoryBytes);
    try {
      const mem = cg.dirIn('memory');
      const cpu = cg.dirIn('cpu');
      const pids = cg.dirIn('pids');
      if (!mem) throw new Error('no cgroup v1 memory hierarchy: the runc driver needs cgroup v1 or hybrid (limits, OOM detection)');
      for (const dir of [mem, cpu, pids]) if (dir) await mkdirCgroup(dir);
      await writeFile(join(mem, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      await writeIfExists(join(mem, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes)); // no swap either
      if (cpu) {
        await writeFile(join(cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
        await writeFile(join(cpu, 'cpu.cfs_quota_us'), String(Math.max(1000, Math.round(limits.cpus * CFS_PERIOD_US))));
      }
      if (pids) await writeFile(join(pids, 'pids.max'), String(limits.pids));
    } catch (err) {
      await cg.remove().catch(() => undefined);
      throw err;
    }
    return cg;
  }

  /** The parent cgroup's folder in the hierarchy holding `controller`. */
  private dirIn(controller: string): string | undefined {
    const h = this.hierarchies.find((x) => x.controllers.includes(controller));
    return h ? join(h.ownDir, this.name) : undefined;
  }

  /** The relative `cgroupsPath` for runc of a step container. */
  cgroupsPath(containerId: string): string {
    return `${this.name}/${containerId}`;
  }

  /** OOM kills so far in a running step's own memory cgroup (0 when it is gone). */
  async stepOomKills(containerId: string): Promise<number> {
    const mem = this.dirIn('memory');
    if (!mem) return 0;
    try {
      const text = readFileSync(join(mem, containerId, 'memory.oom_control'), 'utf8');
      return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
    } catch {
      return 0;
    }
  }

  /** Resets the memory high-water marks (call before a step). */
  async resetPeak(): Promise<void> {
    const mem = this.dirIn('memory')!;
    writeFileSync(join(mem, 'memory.max_usage_in_bytes'), '0');
    try {
      writeFileSync(join(mem, 'memory.memsw.max_usage_in_bytes'), '0');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Whether usage reached the limit since `resetPeak`. */
  async peakReachedLimit(): Promise<boolean> {
    const mem = this.dirIn('memory')!;
    const page = 4096;
    for (const file of ['memory.max_usage_in_bytes', 'memory.memsw.max_usage_in_bytes']) {
      try {
        const peak = Number(readFileSync(join(mem, file), 'utf8').trim());
        if (peak + 16 * page >= this.memoryLimit) return true;
      } catch {
        // memsw accounting may be off
      }
    }
    return false;
  }

  /** Removes the parent cgroup (and any leftover children) from every hierarchy. */
  async remove(): Promise<void> {
    const errors: string[] = [];
    for (const h of this.hierarchies) {
      const dir = join(h.ownDir, this.name);
      try {
        await removeCgroupTree(dir);
      } catch (err) {
        errors.push(`${dir}: ${(err as Error).message}`);
      }
    }
    if (errors.length > 0) throw new Error(`could not remove cgroups: ${errors.join('; ')}`);
  }
}

/** The kernel's count of OOM kills since boot. */
export async function globalOomKills(): Promise<number> {
  const text = readFileSync('/proc/vmstat', 'utf8');
  return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
}

async function mkdirCgroup(dir: string): Promise<void> {
  await mkdir(dir); // not recursive: an existing one belongs to someone else
}

async function writeIfExists(file: string, value: string): Promise<void> {
  try {
    await writeFile(file, value);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** rmdir a cgroup and its sub-cgroups, deepest first, retrying briefly while tasks exit. */
export async function removeCgroupTree(dir: string): Promise<void> {
  try {
    await stat(dir);
  } catch {
    return;
  }
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await removeCgroupTree(join(dir, entry.name));
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 40) throw err;
      await sleep(25);
    }
  }
}

/**
 * Cgroups named `kiln-<namePrefix>…` anywhere in the hierarchies (a reaper may run in another
 * cgroup than the process that made them). Searches a few levels deep.
 */
export async function findInstanceCgroups(namePrefix: string): Promise<string[]> {
  const want = `kiln-${namePrefix}`;
  const found: string[] = [];
  const roots = new Set((await cgroupHierarchies()).map((h) => h.mountPoint));
  async function walk(dir: string, depth: number): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = join(dir, e.name);
      if (e.name.startsWith(want)) found.push(p);
      else if (depth < 6) await walk(p, depth + 1);
    }
  }
  for (const root of roots) await walk(root, 0);
  return found.sort();
}
