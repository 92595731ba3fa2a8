import { join } from 'node:path';

/**
 * Where an instance keeps its things. Under `<dataDir>/instances/<name>/` (the data dir is 0700:
 * no other host user reaches anything here):
 * - `disk.img` → mounted at `disk/` (nosuid, nodev, noexec): the size-bounded system disk;
 *   `disk/steps/<n>/{diff,work}` are the steps' overlay upper and work dirs (files stored with
 *   the instance's host ids, as the container made them); `disk/etc/`: hosts, hostname,
 *   resolv.conf, bind-mounted into every step (on the disk, so what a build writes to them
 *   counts against SystemDiskSize like any other write; never part of a layer: the upper dirs
 *   do not see them);
 * - `view/`: the disk again, idmapped back to container ids and read-only: where the engine
 *   reads a step's changes (`viewStepDiff`), so layers get the ids the build saw (root is 0);
 * - `lower/<n>`: idmapped read-only clones of the layer-store dirs the instance stacks (stored
 *   with real ids, seen by the container as its own ids);
 * - `l/<base36>`: short symlinks to the lower dirs (the overlay options name these);
 * - `init/`: the lowest layer: mount points (/proc, /sys, /dev, /tmp, /etc files) so runc never
 *   creates them in a step's upper dir (owned by the instance's host root);
 * - `tmp/`: a tmpfs, the instance's /tmp (lives until RESTART or destroy), with real ids, and
 *   `tmp-view/` its idmapped clone that the container gets;
 * - `config.json`: the runc bundle config of the current step; `runc.log`: runc's diagnostics.
 *
 * And `<runRoot>/<name>/` (owned by the instance's host root, 0700; `runRoot` is 0711), holding
 * `rootfs/`, where a step's overlay is mounted: runc's setup inside the user namespace, as the
 * instance's root, must reach it, and nothing else of the host.
 */
export class InstancePaths {
  readonly dir: string;
  readonly runDir: string;

  /** `runRoot`: the driver's (see `RuncInstanceDriver`); only `rootfs` and `runDir` depend on it. */
  constructor(instancesRoot: string, readonly name: string, runRoot?: string) {
    this.dir = join(instancesRoot, name);
    this.runDir = runRoot === undefined ? join(this.dir, 'run') : join(runRoot, name);
  }

  get image(): string {
    return join(this.dir, 'disk.img');
  }
  get disk(): string {
    return join(this.dir, 'disk');
  }
  get view(): string {
    return join(this.dir, 'view');
  }
  get lowers(): string {
    return join(this.dir, 'lower');
  }
  get init(): string {
    return join(this.dir, 'init');
  }
  get etc(): string {
    return join(this.dir, 'disk', 'etc');
  }
  get tmp(): string {
    return join(this.dir, 'tmp');
  }
  get tmpView(): string {
    return join(this.dir, 'tmp-view');
  }
  get rootfs(): string {
    return join(this.runDir, 'rootfs');
  }
  get config(): string {
    return join(this.dir, 'config.json');
  }
  get runcLog(): string {
    return join(this.dir, 'runc.log');
  }
  /** Relative to `dir` (the overlay is mounted from there with short relative options). */
  readonly links = 'l';
  stepRel(seq: number): string {
    return `disk/steps/${seq}`;
  }
  stepDir(seq: number): string {
    return join(this.dir, this.stepRel(seq));
  }
  /** A step's upper dir through `view/`: its changes with container ids. */
  viewStepDiff(seq: number): string {
    return join(this.view, 'steps', String(seq), 'diff');
  }
}
