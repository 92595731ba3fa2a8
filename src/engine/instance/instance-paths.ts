import { join } from 'node:path';

/**
 * Where an instance keeps its things, under `<dataDir>/instances/<name>/`:
 * - `disk.img` → mounted at `disk/`: the size-bounded system disk; `disk/steps/<n>/{diff,work}`
 *   are the steps' overlay upper and work dirs; `disk/etc/`: hosts, hostname, resolv.conf,
 *   bind-mounted into every step (on the disk, so what a build writes to them counts against
 *   SystemDiskSize like any other write; never part of a layer: the upper dirs do not see them);
 * - `l/<base36>`: short symlinks to the lower dirs (the overlay options name these);
 * - `init/`: the lowest layer: mount points (/proc, /sys, /dev, /tmp, /etc files) so runc never
 *   creates them in a step's upper dir;
 * - `tmp/`: a tmpfs, the instance's /tmp (lives until RESTART or destroy);
 * - `rootfs/`: where a step's overlay is mounted; `config.json`: its runc bundle config;
 * - `runc.log`: runc's diagnostics for the current step.
 */
export class InstancePaths {
  readonly dir: string;

  constructor(instancesRoot: string, readonly name: string) {
    this.dir = join(instancesRoot, name);
  }

  get image(): string {
    return join(this.dir, 'disk.img');
  }
  get disk(): string {
    return join(this.dir, 'disk');
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
  get rootfs(): string {
    return join(this.dir, 'rootfs');
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
}
