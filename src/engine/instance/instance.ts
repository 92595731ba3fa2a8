/**
 * The intermediate instance: where a template's build content runs, one command (step) at a
 * time. The default driver (`RuncInstanceDriver`) runs each step as an OCI container under
 * runc over an overlay of the image's layers; see `runc-driver.ts`.
 */

/** What to create. Names and sizes come from the execution and the template's instance settings. */
export interface InstanceSpec {
  /** Unique among live instances (e.g. the execution id): `[A-Za-z0-9][A-Za-z0-9_.-]{0,62}`. */
  name: string;
  /** The hostname processes see (`hostname`, /etc/hostname, /etc/hosts). */
  hostname: string;
  /** Lower layer directories (extracted layers), bottom first. */
  layers: string[];
  /** vCPUs of the InstanceType: a CPU-time quota (1.5 = one and a half CPUs' worth). */
  cpus: number;
  /** Memory of the InstanceType; exceeding it gets the step OOM-killed (no swap). */
  memoryMiB: number;
  /** SystemDiskSize: room for everything the build writes; writing past it fails with ENOSPC. */
  diskGiB: number;
  /**
   * `none` (InternetMaxBandwidthOut = 0): loopback only. `user` (> 0): slirp4netns to the
   * internet; the host's own addresses and private ranges (but allow-listed ones) are unreachable.
   */
  network: 'none' | 'user';
  /** Test-only: a disk size in MiB that overrides `diskGiB`, so disk-full tests stay small. */
  diskMiB?: number;
}

/** One command to run on the instance. */
export interface StepRun {
  argv: string[];
  /** `KEY=value` entries; PATH and HOME get defaults when missing. */
  env: string[];
  /** Absolute working directory inside the instance. */
  cwd: string;
  /** `name`, `uid`, `name:group` or `uid:gid`, resolved from the instance's /etc/passwd and /etc/group. */
  user: string;
  /** Kills the step this long after `run` was called, its setup included (≤ 0 or non-finite: no limit). */
  timeoutMs: number;
  /**
   * Called with output as it comes. It should not throw: a throw stops the step (nothing more
   * is delivered) and `run` rejects with `OutputListenerError`, so output is never lost unseen.
   */
  onOutput(stream: 'stdout' | 'stderr', chunk: Buffer): void;
  /** Aborting kills the step (`cancelled` in the result). */
  signal?: AbortSignal;
  /**
   * The command's standard input (default: none). Fed as the command reads it; when the stream
   * fails, the command sees an early end of input. Lets the engine hand a file to an instance
   * without a network (OSSDownload).
   */
  stdin?: NodeJS.ReadableStream;
}

/** A step's `onOutput` threw: the step was stopped (see `StepRun.onOutput`). */
export class OutputListenerError extends Error {
  constructor(cause: unknown) {
    super(`the step's output could not be handled (${cause instanceof Error ? cause.message : String(cause)}); the step was stopped`, { cause });
    this.name = 'OutputListenerError';
  }
}

/**
 * How a step ended. `exitCode` is the process's status (128 + signal when killed; -1 when it
 * never started: `signal` was aborted or the time was up before the command started). Any of `oomKilled`, `diskFull`,
 * `timedOut`, `cancelled` means the step failed for that reason, whatever `exitCode` says.
 */
export interface StepResult {
  exitCode: number;
  /** The kernel killed a process of the step for exceeding `memoryMiB` (the whole step is then killed). */
  oomKilled: boolean;
  /** The step failed with the instance's disk full (no free blocks or inodes left). */
  diskFull: boolean;
  timedOut: boolean;
  cancelled: boolean;
  /** This step's changes (an overlay upper dir: whiteouts and opaque dirs included); valid until the next `run` or `destroy`. */
  upperDir: string;
}

export interface Instance {
  /** Runs one step on top of the base layers and the committed steps. One at a time. */
  run(step: StepRun): Promise<StepResult>;
  /** The last step's changes become a lower layer for the next steps; an uncommitted step is discarded by the next `run`. */
  commitStep(): void;
  /**
   * An already extracted layer (a dir of the layer store, e.g. a step taken from the step cache)
   * becomes the topmost lower layer for the next steps, as if a step had made it.
   */
  commitLayer(dir: string): void;
  /** The host path of the instance's /tmp (kept across steps until RESTART), for the step cache to save and restore. */
  readonly tmpDir: string;
  /** RESTART: ends every process and starts the instance again before the next command (see the driver). */
  restart(): Promise<void>;
  /** Removes everything the instance holds (idempotent); kills a running step first. */
  destroy(): Promise<void>;
}

export interface InstanceDriver {
  /** Creates an instance; on failure nothing of it is left behind. */
  create(spec: InstanceSpec): Promise<Instance>;
  /**
   * Things still present for instances whose name starts with `namePrefix`: containers,
   * mounts, cgroups, network namespaces, helper processes, loop devices and folders, one
   * human-readable line each. Empty after every instance was destroyed.
   */
  leftovers(namePrefix: string): Promise<string[]>;
}
