import { chown, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { globalOomKills, type InstanceCgroup } from './cgroups.js';
import { CleanupStack } from './cleanup-stack.js';
import { diskFree } from './disk.js';
import type { IdRange } from './id-slots.js';
import { idmapMounts } from './idmap.js';
import type { Instance, InstanceSpec, StepResult, StepRun } from './instance.js';
import type { InstanceNetwork } from './instance-network.js';
import type { InstancePaths } from './instance-paths.js';
import type { LayerViews } from './layer-views.js';
import { mountTmpfs, unmount } from './mounts.js';
import { buildStepSpec } from './oci-spec.js';
import { mountOverlay } from './overlay.js';
import type { Runc } from './runc.js';
import { runContainer, runtimeFailure, RuntimeError, type ContainerOutcome } from './run-container.js';
import { resolveUser, type ResolvedUser } from './user.js';
import { topmostOnce } from '../layers/topmost-once.js';

export { RuntimeError };

/** Free space under which a failed step counts as "disk full" (ext4 keeps a little back). */
const DISK_FULL_SLACK_BYTES = 2 * 1024 * 1024;

export interface RuncInstanceParts {
  spec: InstanceSpec;
  paths: InstancePaths;
  runc: Runc;
  cgroup: InstanceCgroup;
  network: InstanceNetwork;
  /** Undoes everything the driver created for the instance, in reverse. */
  stack: CleanupStack;
  /** Size of the instance's /tmp tmpfs. */
  tmpBytes: number;
  /** The host ids of the instance's user namespace (container ids 0…size−1). */
  range: IdRange;
  /** Idmapped views of the layer-store dirs it stacks. */
  views: LayerViews;
}

/**
 * An instance whose steps are runc containers. Each `run` mounts a fresh overlay (lower: the
 * init layer, the image's layers, the committed steps; upper: a new dir on the instance's
 * disk), runs one container in fresh user/pid/mount/uts/ipc namespaces inside the instance's
 * network namespace and cgroup, then removes the container and unmounts, whatever happened.
 *
 * IDS: the container's ids 0…65535 are the instance's host ids (`range`). The overlay is
 * mounted by the engine (host root), so it reads layer-store dirs through idmapped views that
 * show their real ids as the instance's, and its upper dir stores what the container writes
 * with the instance's host ids (overlayfs writes to its upper dir as the mounter, whose ids an
 * idmapped upper could not map). The init layer and a committed step's upper dir are stacked as
 * they are (already in host ids); a step's changes are handed out through the disk's view,
 * which maps them back to container ids.
 *
 * RESTART: between steps no process of the instance is left (a step's processes, background
 * ones included, end with its pid namespace), so `restart()` restarts what outlives steps: the
 * network namespace and slirp4netns are recreated and /tmp is emptied, as after a reboot. The
 * next step then starts in a fresh pid namespace, as always.
 */
export class RuncInstance implements Instance {
  private seq = 0;
  private readonly committed: string[] = [];
  private last: string | undefined;
  private busy = false;
  private killCurrent: (() => void) | undefined;
  private running: Promise<unknown> | undefined;
  private destroyed = false;
  /** Lower dirs already in the instance's host ids (the init layer, committed steps' upper dirs): stacked without a view. */
  private readonly ownDirs = new Set<string>();
  /** Overlay lower-dir links made so far (`mountOverlay` skips them). */
  private readonly madeLinks = new Map<string, string>();
  /** Resolved users by spec, valid while no newly committed layer touches `usersDependOn`. */
  private readonly users = new Map<string, ResolvedUser>();
  private readonly usersDependOn = new Set<string>();
  private usersCheckedLayers = 0;
  /** Removal of finished steps' overlay work dirs (off the steps' path; awaited by `destroy`). */
  private sweep: Promise<void> = Promise.resolve();

  constructor(private readonly parts: RuncInstanceParts) {
    this.ownDirs.add(parts.paths.init);
  }

  async run(step: StepRun): Promise<StepResult> {
    if (this.destroyed) throw new Error(`instance ${this.parts.spec.name} is destroyed`);
    if (this.busy) throw new Error(`instance ${this.parts.spec.name} is already running a step`);
    this.busy = true;
    const work = this.runStep(step);
    this.running = work.catch(() => undefined);
    try {
      return await work;
    } finally {
      this.busy = false;
      this.running = undefined;
    }
  }

  private async runStep(step: StepRun): Promise<StepResult> {
    // the step's time runs from here: setting it up (mounting, reading the image's users) counts
    const deadline = Number.isFinite(step.timeoutMs) && step.timeoutMs > 0 ? Date.now() + step.timeoutMs : undefined;
    await this.discardLast();
    const seq = ++this.seq;
    const id = `kiln-${this.parts.spec.name}-${seq}`;
    const upperDir = this.parts.paths.viewStepDiff(seq);
    const workDir = await this.makeStepDirs(seq);
    const notRun = (timedOut: boolean): StepResult => ({ exitCode: -1, oomKilled: false, diskFull: false, timedOut, cancelled: !timedOut, upperDir });
    if (step.signal?.aborted) {
      await rm(workDir, { recursive: true, force: true });
      return notRun(false);
    }
    const stack = new CleanupStack();
    let tornDown: Promise<void> | undefined;
    // unmounts once, as soon as the container is gone; the work dir goes in the background
    const tearDown = () =>
      (tornDown ??= (async () => {
        try {
          await stack.unwind();
        } finally {
          this.sweep = Promise.all([this.sweep, rm(workDir, { recursive: true, force: true }).catch(() => undefined)]).then(() => undefined);
        }
      })());
    try {
      const oomBefore = await this.setUpStep(seq, id, step, stack);
      // cancelled or out of time while it was set up: the command does not start
      const timedOut = deadline !== undefined && Date.now() >= deadline;
      if (step.signal?.aborted || timedOut) return notRun(timedOut);
      stack.push('container', async () => {
        // `runc run` removes the container when it ends; delete -f only what is still there
        if (await this.parts.runc.exists(id)) await this.parts.runc.delete(id);
      });
      const { paths, runc, cgroup } = this.parts;
      const outcome = await runContainer({ paths, runc, cgroup, id, step, deadline, setCanceller: (cancel) => { this.killCurrent = cancel; } });
      // free space as the failed step left it: before the overlay lets go of anything
      const free = outcome.exitCode !== 0 ? await diskFree(paths.disk) : undefined;
      tearDown().catch(() => undefined); // awaited, and its failure thrown, below
      return { ...(await this.judge(seq, outcome, oomBefore, free)), upperDir };
    } finally {
      await tearDown();
    }
  }

  /** The step's dir (0755, its `diff` owned by the container's root) and its overlay work dir, returned. */
  private async makeStepDirs(seq: number): Promise<string> {
    const stepDir = this.parts.paths.stepDir(seq);
    const workDir = join(stepDir, 'work');
    const range = this.parts.range;
    // 0755 (made first, not by a 0700 recursive mkdir of the work dir): the engine reads the
    // upper dir through the disk's view, where root-owned dirs of the host count as nobody's
    await mkdir(stepDir, { recursive: true, mode: 0o755 });
    await Promise.all([
      // the overlay's root takes its owner from the upper dir: the container's root
      mkdir(join(stepDir, 'diff'), { mode: 0o755 }).then(() => chown(join(stepDir, 'diff'), range.hostId, range.hostId)),
      mkdir(workDir, { mode: 0o700 }),
    ]);
    this.last = stepDir;
    return workDir;
  }

  /**
   * Mounts the step's overlay (its unmount pushed on `stack`) and writes its runc config, the
   * user resolved meanwhile; returns the host's OOM kill count before the step.
   */
  private async setUpStep(seq: number, id: string, step: StepRun, stack: CleanupStack): Promise<number> {
    const { spec, paths, cgroup, network, range } = this.parts;
    // what does not depend on the overlay goes on while it is mounted
    const mounted = this.lowerDirs()
      .then((lowers) =>
        mountOverlay({
          cwd: paths.dir,
          links: paths.links,
          lowers,
          upper: `${paths.stepRel(seq)}/diff`,
          work: `${paths.stepRel(seq)}/work`,
          target: paths.rootfs,
          madeLinks: this.madeLinks,
          // the instance's disk is thrown away with it; layers are made durable when captured
          volatile: true,
          // device nodes in layers stay inert; the container's /dev is a mount of its own
          nodev: true,
        }),
      )
      .then(() => stack.push('overlay mount', () => unmount(paths.rootfs)));
    // the user as resolved before, or read through the overlay once it is mounted
    const configWritten = this.cachedUser(step.user)
      .then((cached) => cached ?? mounted.then(() => this.resolveUser(step.user)))
      .then(async (user) => {
        const config = buildStepSpec({
          rootfs: paths.rootfs,
          hostname: spec.hostname,
          argv: step.argv,
          env: step.env,
          cwd: step.cwd,
          uid: user.uid,
          gid: user.gid,
          additionalGids: user.additionalGids,
          home: user.home,
          netnsPath: network.nsPath,
          cgroupsPath: cgroup.cgroupsPath(id),
          etcFiles: ['hosts', 'hostname', 'resolv.conf'].map((f) => ({ destination: `/etc/${f}`, source: join(paths.etc, f) })),
          tmpDir: paths.tmpView,
          idRange: range,
          maxOpenFiles: await maxOpenFiles(),
        });
        await writeFile(paths.config, JSON.stringify(config));
      });
    const [, , oomBefore] = await allSettled([mounted, configWritten, cgroup.resetPeak().then(() => globalOomKills()), writeFile(paths.runcLog, '')]);
    return oomBefore;
  }

  /** What ended the step: an OOM kill, a full disk, or a command runc could not execute (126/127); runc's own failure throws. */
  private async judge(seq: number, outcome: ContainerOutcome, oomBefore: number, free: Awaited<ReturnType<typeof diskFree>> | undefined): Promise<Omit<StepResult, 'upperDir'>> {
    const { cgroup, paths, spec } = this.parts;
    // the small peak files first: /proc/vmstat is read only when usage reached the limit
    const oomKilled = outcome.polledOom || ((await cgroup.peakReachedLimit()) && (await globalOomKills()) > oomBefore);
    if (outcome.exitCode !== 0 && !outcome.timedOut && !outcome.cancelled && !oomKilled) {
      const runtimeError = await runtimeFailure(paths.runcLog);
      if (runtimeError) {
        // the command itself could not be executed: a failure of the step, as a shell reports it
        // (runc has already written its message to the step's stderr)
        const exec = /exec: "/.test(runtimeError);
        if (!exec) throw new RuntimeError(`runc could not run step ${seq} of ${spec.name}: ${runtimeError}`);
        outcome.exitCode = /permission denied/.test(runtimeError) ? 126 : 127;
      }
    }
    const diskFull = free !== undefined && outcome.exitCode !== 0 && (free.bytes < Math.max(DISK_FULL_SLACK_BYTES, free.totalBytes / 200) || free.inodes === 0);
    return { exitCode: outcome.exitCode, oomKilled, diskFull, timedOut: outcome.timedOut, cancelled: outcome.cancelled };
  }

  /** The overlay's lower dirs, bottom first: layer-store dirs through their views. */
  private async lowerDirs(): Promise<string[]> {
    const dirs = topmostOnce([this.parts.paths.init, ...this.parts.spec.layers, ...this.committed]);
    const shared = dirs.filter((d) => !this.ownDirs.has(d));
    const views = await this.parts.views.of(shared);
    const viewOf = new Map(shared.map((d, i) => [d, views[i]!]));
    return dirs.map((d) => viewOf.get(d) ?? d);
  }

  /**
   * The step's user as resolved for an earlier step: kept while no layer committed since has a
   * top-level entry the resolution looked at (`etc`, or where symlinks led), as only such a
   * layer can change /etc/passwd or /etc/group. Undefined when it must be read again.
   */
  private async cachedUser(userSpec: string): Promise<ResolvedUser | undefined> {
    for (; this.usersCheckedLayers < this.committed.length; this.usersCheckedLayers++) {
      if (this.users.size === 0) continue;
      const names = await readdir(this.committed[this.usersCheckedLayers]!).catch(() => undefined);
      if (!names || names.some((n) => this.usersDependOn.has(n))) {
        this.users.clear();
        this.usersDependOn.clear();
      }
    }
    return this.users.get(userSpec);
  }

  /** Resolves the step's user from the image's /etc/passwd and /etc/group (the overlay must be mounted). */
  private async resolveUser(userSpec: string): Promise<ResolvedUser> {
    const user = await resolveUser(this.parts.paths.rootfs, userSpec, this.usersDependOn);
    this.users.set(userSpec, user);
    return user;
  }

  commitStep(): void {
    if (this.busy) throw new Error('cannot commit while a step runs');
    if (!this.last) throw new Error('no step to commit');
    const diff = join(this.last, 'diff');
    this.ownDirs.add(diff);
    this.committed.push(diff);
    this.last = undefined;
  }

  commitLayer(dir: string): void {
    if (this.busy) throw new Error('cannot commit while a step runs');
    this.committed.push(dir);
  }

  get tmpDir(): string {
    return this.parts.paths.tmp;
  }

  /** Removes the last step's changes when they were not committed. */
  private async discardLast(): Promise<void> {
    if (this.last) {
      await this.sweep; // its work dir may still be going
      await rm(this.last, { recursive: true, force: true });
      this.last = undefined;
    }
  }

  async restart(): Promise<void> {
    if (this.destroyed) throw new Error(`instance ${this.parts.spec.name} is destroyed`);
    if (this.busy) throw new Error('cannot restart while a step runs');
    const { paths, range } = this.parts;
    await this.parts.network.restart();
    await unmount(paths.tmpView);
    await unmount(paths.tmp);
    await mountTmpfs(paths.tmp, this.parts.tmpBytes);
    await idmapMounts(range, [{ source: paths.tmp, target: paths.tmpView }], { direction: 'toHost' });
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    if (this.running) {
      this.killCurrent?.();
      await this.running;
    }
    await this.sweep;
    await this.parts.stack.unwind();
  }
}

/**
 * Like `Promise.all`, but settles every promise before throwing the first failure, so nothing
 * is still being set up (e.g. a mount) when the caller starts cleaning up.
 */
async function allSettled<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises as readonly Promise<unknown>[]);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

let nofile: Promise<number> | undefined;

/** The engine's own hard RLIMIT_NOFILE, capped at 1048576 (what a step gets); read once. */
function maxOpenFiles(): Promise<number> {
  return (nofile ??= readMaxOpenFiles());
}

async function readMaxOpenFiles(): Promise<number> {
  try {
    const text = await readFile('/proc/self/limits', 'utf8');
    const hard = /^Max open files\s+\S+\s+(\S+)/m.exec(text)?.[1];
    if (hard === 'unlimited') return 1048576;
    const n = Number(hard);
    return Number.isInteger(n) && n > 0 ? Math.min(n, 1048576) : 1024;
  } catch {
    return 1024;
  }
}
