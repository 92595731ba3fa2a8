import type { Readable } from 'node:stream';
import type { BlobStore } from '../../blobs/blob-store.js';
import type { StepCacheUse } from '../../domain/build-artifact.js';
import type { StepCacheOutcome, Telemetry } from '../../domain/telemetry.js';
import type { BuildCache } from '../cache/build-cache.js';
import { chainAfter, stepKey, type NormalizedStep } from '../cache/step-key.js';
import { restore, snapshot, TmpTooLargeError, type TmpSnapshot } from '../cache/tmp-state.js';
import type { StepResult, StepRun } from '../instance/instance.js';
import { UnknownUserError } from '../instance/user.js';
import { LAYER_MEDIA_TYPE, LayerTooLargeError, type LayerBlob } from '../layers/capture-layer.js';
import { formatBytes } from '../../domain/bytes.js';
import { distinctBytes, type LayerRef } from '../../domain/storage-quota.js';
import type { LayerStore } from '../layers/layer-store.js';
import { envList, expand, resolveWorkdir, setEnv, type ImageConfigState } from '../image-config.js';
import type { PlanStep } from '../plan/steps.js';
import type { OssAccess } from '../oss/oss-access.js';
import { runOssDownload, runOssUpload, type OssStepContext } from '../oss/oss-steps.js';
import { StepCancelled, StepFailure } from './step-failure.js';
import { startupHookScript } from './startup-hook.js';
import { bindOutputs, outputNotKeptLine, TaskOutputCapture, type TaskOutput } from './task-output.js';
import { OutputListenerError } from '../instance/instance.js';
import type { LazyInstance } from './lazy-instance.js';

export interface StepRunnerOptions {
  /** Created when a step first has to run (see `LazyInstance`). */
  instance: LazyInstance;
  layers: LayerStore;
  /** The build's configuration; steps change it in place. */
  config: ImageConfigState;
  /** Limits quoted in failure messages. */
  limits: { instanceType: string; memoryMiB: number; diskGiB: number; network: 'none' | 'user' };
  stepTimeoutMs: number;
  signal: AbortSignal;
  log(stream: 'stdout' | 'stderr' | 'system', text: string): void;
  /** Called before each step with its 1-based index, e.g. to update the execution's Message. */
  onStep?(index: number, total: number, step: PlanStep): Promise<void>;
  /** `test` content keeps no layers. */
  captureLayers: boolean;
  /**
   * The step cache, with the blob store its /tmp snapshots go to and the chain at the bottom of
   * the build (see `cache/step-key.ts`). Without it every step runs (test content).
   */
  cache?: { cache: BuildCache; blobs: BlobStore; chain: string };
  /** The object store OSSDownload/OSSUpload reach; undefined: they fail with `OSS.NotConfigured`. */
  oss?: OssAccess;
  /**
   * The image quota of the build's account (bytes, > 0) and the layers the image holds below the
   * steps (base image, repairs). A step whose layer makes the image alone larger than the quota
   * fails at once with `QuotaExceed.ImageStorage`: the image could never be registered. A layer
   * tar larger than the whole quota is abandoned while it is written, so no more than the quota
   * reaches the disk.
   */
  imageQuota?: { accountId: string; bytes: number; below(): readonly LayerRef[] };
  /**
   * The most a YAML task may print on stdout for `{{ task.stdout }}` (bytes, > 0;
   * `KILN_TASK_OUTPUT_MAX_BYTES`): only that much is held and stored with the step's cache
   * entry; a task that printed more has no output to refer to (see `task-output.ts`).
   */
  taskOutputMaxBytes: number;
  /** Each step's duration and step-cache outcome are counted here (`/metrics`). */
  telemetry?: Telemetry;
}

const describeStep = (step: PlanStep): string => {
  switch (step.op) {
    case 'run': return `RUN ${step.command}`;
    case 'copy': return `COPY ${step.source} ${step.dest}`;
    case 'workdir': return `WORKDIR ${step.path}`;
    case 'user': return `USER ${step.user}`;
    case 'download': return `WebDownload ${step.url}`;
    case 'ossDownload': return `OSSDownload oss://${step.bucket}/${step.object} ${step.destinationDir}`;
    case 'ossUpload': return `OSSUpload ${step.file} oss://${step.bucket}/${step.object}`;
    default: return step.op.toUpperCase();
  }
};

/** ENV, LABEL, CMD and ENTRYPOINT: they change the image configuration only. */
function configure(c: ImageConfigState, step: Extract<PlanStep, { op: 'env' | 'label' | 'startup' }>): void {
  if (step.op === 'env') setEnv(c, step.pairs);
  else if (step.op === 'label') for (const [k, v] of step.pairs) c.labels[k] = expand(v, c.env);
  else if (step.keyword === 'CMD') c.cmd = step.argv;
  else c.entrypoint = step.argv;
}

/** The script and environment of a COPY (a path in the image, or a URL) or a WebDownload. */
function fetchScript(step: Extract<PlanStep, { op: 'copy' | 'download' }>, env: ReadonlyArray<[string, string]>): { script: string; env: string[] } {
  if (step.op === 'copy') {
    const script = step.sourceKind === 'url'
      ? 'mkdir -p "$KILN_DEST" && cd "$KILN_DEST" && wget -q "$KILN_SRC"'
      : 'mkdir -p "$KILN_DEST" && cp -a "$KILN_SRC" "$KILN_DEST"/';
    return { script, env: [`KILN_SRC=${expand(step.source, env)}`, `KILN_DEST=${expand(step.dest, env)}`] };
  }
  // The time limit comes from `timeout` (busybox and coreutils both have it), not `wget -T`:
  // busybox 1.35's wget crashes (SIGSEGV) whenever -T is given.
  const script = 'mkdir -p "$KILN_DEST" && cd "$KILN_DEST" && timeout "$KILN_TIMEOUT" wget -q ${KILN_TOKEN:+--header="Authorization: token $KILN_TOKEN"} "$KILN_SRC"';
  return { script, env: [`KILN_SRC=${step.url}`, `KILN_DEST=${step.destinationDir}`, `KILN_TIMEOUT=${step.timeoutSeconds}`, ...(step.token ? [`KILN_TOKEN=${step.token}`] : [])] };
}

/**
 * Runs a plan's steps on an instance, one container per step: a step that changes files
 * becomes a layer (captured from its overlay upper dir, then committed as a lower dir for the
 * next steps); ENV, LABEL, CMD and ENTRYPOINT only change the image configuration.
 * Throws `StepFailure` (with the step's line) or `StepCancelled`.
 */
export class StepRunner {
  readonly captured: LayerBlob[] = [];
  /** What made each of `captured`, as the image's history names it (`line 3: RUN make install`). */
  readonly capturedBy: string[] = [];
  /** Each step that went through the step cache, in order: reused (`hit`) or run (`miss`). */
  readonly cacheUse: StepCacheUse[] = [];
  /** Where the step being run comes from (`line 3`, `RepairMode`, `startup command`); kept when it fails. */
  at: string | undefined;
  private readonly outputs = new Map<string, TaskOutput>();
  /** The cache chain so far (see `cache/step-key.ts`). */
  private chain: string;
  /** /tmp as the chain says it is after the last step (a snapshot digest; undefined: empty). */
  private chainTmp: string | undefined;
  /** Bytes of that snapshot. */
  private chainTmpSize: number | undefined;
  /** /tmp as it really is in the instance (after the last step that ran there). */
  private actualTmp: TmpSnapshot | undefined;
  /**
   * /tmp once held more than its tmpfs (sparse files) and could not be snapshotted: the chain no
   * longer says what /tmp holds, so from that step on nothing is looked up or recorded.
   */
  private tmpUncached = false;
  /** The step being run, for the progress report made when a container really runs. */
  private current: { index: number; total: number; step: PlanStep } | undefined;

  constructor(private readonly o: StepRunnerOptions) {
    this.chain = o.cache?.chain ?? '';
  }

  async runAll(steps: readonly PlanStep[]): Promise<void> {
    for (const [i, step] of steps.entries()) {
      if (this.o.signal.aborted) throw new StepCancelled();
      this.current = { index: i + 1, total: steps.length, step };
      this.at = step.where;
      this.o.log('system', `--> ${step.where}: ${describeStep(step)}\n`);
      await this.runStep(step);
    }
    this.current = undefined;
  }

  /**
   * Runs a step through the step cache: with a cached result for its key (and a cache that may
   * be read, and a `cacheable` step) the result is reused and nothing runs; otherwise `execute`
   * runs it on the instance (after /tmp is made what the chain says it is) and the result is
   * recorded. Steps that fetch from outside (URL copies, downloads, OSS transfers) are not
   * cacheable: they always run, and their successors' keys follow from the bytes they fetched.
   * Returns the step's layer (committed on the instance) and captured output.
   */
  async cached(where: string, step: NormalizedStep, cacheable: boolean, execute: () => Promise<{ layer?: LayerBlob; output?: string }>): Promise<{ layer?: LayerBlob; output?: string }> {
    this.at = where;
    const started = performance.now();
    const done = (outcome: StepCacheOutcome) => this.o.telemetry?.stepFinished(outcome, (performance.now() - started) / 1000);
    const c = this.o.cache;
    if (!c) return this.execute(execute).finally(() => done('uncached'));
    const key = stepKey(this.chain, step);
    const looked = cacheable && !this.tmpUncached && c.cache.mode === 'use';
    if (looked) {
      const hit = await c.cache.lookup(key);
      if (hit) {
        let layer: LayerBlob | undefined;
        if (hit.layerDigest !== undefined) {
          layer = { mediaType: LAYER_MEDIA_TYPE, digest: hit.layerDigest as LayerBlob['digest'], diffId: hit.layerDigest as LayerBlob['diffId'], size: hit.layerSize };
          this.o.instance.commitCachedLayer(hit.layerDigest);
        }
        this.chainTmp = hit.tmpDigest;
        this.chainTmpSize = hit.tmpSize;
        this.chain = chainAfter(key, hit.layerDigest, hit.tmpDigest);
        this.o.log('system', `    from the step cache (${where}): not run${hit.layerDigest ? `, layer ${hit.layerDigest.slice(7, 19)} reused` : ''}\n`);
        this.cacheUse.push({ where, cache: 'hit' });
        done('hit');
        return { ...(layer ? { layer } : {}), ...(hit.output !== undefined ? { output: hit.output } : {}) };
      }
    }
    const result = await this.execute(execute).finally(() => done(looked ? 'miss' : 'uncached'));
    this.cacheUse.push({ where, cache: 'miss' });
    this.chain = chainAfter(key, result.layer?.digest, this.chainTmp);
    // Counted and its layer pinned, but with /tmp unknown not recorded for later builds.
    await c.cache.record(cacheable && !this.tmpUncached ? key : undefined, {
      ...(result.layer ? { layerDigest: result.layer.digest } : {}),
      layerSize: result.layer?.size ?? 0,
      ...(this.chainTmp !== undefined ? { tmpDigest: this.chainTmp, ...(this.chainTmpSize !== undefined ? { tmpSize: this.chainTmpSize } : {}) } : {}),
      ...(result.output !== undefined ? { output: result.output } : {}),
    });
    return result;
  }

  /** Runs a step on the (created) instance, with /tmp as the chain says before and a snapshot of it after. */
  private async execute(execute: () => Promise<{ layer?: LayerBlob; output?: string }>): Promise<{ layer?: LayerBlob; output?: string }> {
    if (this.current) await this.o.onStep?.(this.current.index, this.current.total, this.current.step);
    const c = this.o.cache;
    if (!c) return execute();
    await c.cache.flushReused();
    if (this.tmpUncached) return execute(); // /tmp is as the steps left it: nothing to restore or keep
    const instance = await this.o.instance.ready();
    if (this.actualTmp?.digest !== this.chainTmp) {
      this.o.log('system', '    restoring /tmp as the cached steps left it\n');
      this.actualTmp = await restore(instance.tmpDir, c.blobs, this.chainTmp);
    }
    const result = await execute();
    try {
      this.actualTmp = await snapshot(instance.tmpDir, c.blobs, this.actualTmp);
    } catch (err) {
      if (!(err instanceof TmpTooLargeError)) throw err;
      this.tmpUncached = true;
      this.o.log('system', `    /tmp holds ${formatBytes(err.bytes)} of files (sparse files count at their full size), more than its ${formatBytes(err.maxBytes)} tmpfs: it is not kept in the step cache, so this step and the ones after it are not cached\n`);
      return result;
    }
    this.chainTmp = this.actualTmp?.digest;
    this.chainTmpSize = this.actualTmp?.size;
    return result;
  }

  /** Installs the startup command (CMD/ENTRYPOINT) as a boot hook: the build's last layer. */
  async installStartupCommand(): Promise<void> {
    const script = startupHookScript(this.o.config.entrypoint, this.o.config.cmd);
    if (!script) return;
    this.o.log('system', '--> installing the startup command (CMD/ENTRYPOINT) as a boot hook\n');
    await this.exec('startup command', ['/bin/sh', '-c', script], { user: 'root', cwd: '/' }, true);
  }

  private async runStep(step: PlanStep): Promise<void> {
    const c = this.o.config;
    switch (step.op) {
      case 'env':
      case 'label':
      case 'startup':
        configure(c, step);
        return;
      case 'restart':
        return this.restart();
      case 'unsupported':
        throw new StepFailure(step.code, `${step.where}: ${step.message}`);
      case 'user': {
        const user = expand(step.user, c.env);
        // The user must exist in the image: run a no-op as that user before adopting it.
        await this.exec(step.where, ['/bin/sh', '-c', 'true'], { user, cwd: '/' }, false);
        c.user = user;
        return;
      }
      case 'workdir': {
        const dir = resolveWorkdir(c, step.path);
        await this.exec(step.where, ['/bin/sh', '-c', 'mkdir -p "$KILN_DIR"'], { user: 'root', cwd: '/', env: [`KILN_DIR=${dir}`] }, true);
        c.workingDir = dir;
        return;
      }
      case 'copy':
      case 'download': {
        const { script, env } = fetchScript(step, c.env);
        await this.exec(step.where, ['/bin/sh', '-c', script], { env }, true, step.op === 'download' || step.sourceKind === 'url');
        return;
      }
      case 'ossDownload':
        return runOssDownload(step, this.ossContext(step.where));
      case 'ossUpload':
        return runOssUpload(step, this.ossContext(step.where));
      case 'run':
        return this.runCommand(step);
    }
  }

  /** RESTART: part of the cache chain; what follows it builds on an empty /tmp. */
  private async restart(): Promise<void> {
    this.o.log('system', 'restarting the instance: every process ends and the instance starts again\n');
    await this.o.instance.restart();
    this.actualTmp = undefined;
    this.chainTmp = undefined;
    this.chainTmpSize = undefined;
    if (this.o.cache) this.chain = chainAfter(stepKey(this.chain, { op: 'restart' }), undefined, undefined);
  }

  /** RUN (and a YAML task's command): its `{{ task.stdout }}` references bound, its output kept when a later task refers to it. */
  private async runCommand(step: Extract<PlanStep, { op: 'run' }>): Promise<void> {
    const command = bindOutputs(step.command, this.outputs, step.where, this.o.taskOutputMaxBytes);
    const out = await this.exec(step.where, ['/bin/sh', '-c', command], { ...(step.cwd ? { cwd: step.cwd } : {}), ...(step.user ? { user: step.user } : {}) }, true, false, step.captureAs !== undefined);
    if (step.captureAs === undefined) return;
    if (out === undefined) {
      this.o.log('system', outputNotKeptLine(step.captureAs, this.o.taskOutputMaxBytes));
      this.outputs.set(step.captureAs, { where: step.where, cut: true });
    } else {
      this.outputs.set(step.captureAs, { where: step.where, text: out.trimEnd() });
    }
  }

  private ossContext(where: string): OssStepContext {
    const o = this.o;
    return {
      oss: o.oss, signal: o.signal, log: o.log,
      resolve: (text) => bindOutputs(text, this.outputs, where, this.o.taskOutputMaxBytes),
      exec: (argv, over, keep) => this.exec(where, argv, over, keep),
    };
  }

  /**
   * Runs one container; on success captures and commits its changes when `keep` is set.
   * `stdin` feeds the command; `stdout` takes its output instead of the log (file transfers).
   * With `capture`, resolves the command's stdout (see `taskOutputMaxBytes`), undefined when it
   * was larger than that; without, an empty string.
   */
  private async exec(where: string, argv: string[], over: { user?: string; cwd?: string; env?: string[]; stdin?: Readable; stdout?: (chunk: Buffer) => void }, keep: boolean, needsNetwork = false, capture = false): Promise<string | undefined> {
    const c = this.o.config;
    const captured = capture ? new TaskOutputCapture(this.o.taskOutputMaxBytes) : undefined;
    const run: StepRun = {
      argv,
      env: [...envList(c), ...(over.env ?? [])],
      cwd: over.cwd ?? c.workingDir,
      user: over.user ?? c.user,
      timeoutMs: this.o.stepTimeoutMs,
      signal: this.o.signal,
      ...(over.stdin ? { stdin: over.stdin } : {}),
      onOutput: (stream, chunk) => {
        if (over.stdout && stream === 'stdout') return over.stdout(chunk);
        if (stream === 'stdout') captured?.add(chunk);
        this.o.log(stream, chunk.toString('utf8'));
      },
    };
    // A capturing step's entry holds its output as this limit kept it (none when cut): the key says so.
    const normalized: NormalizedStep = { op: 'exec', argv, env: run.env, cwd: run.cwd, user: run.user, keep: keep && this.o.captureLayers, network: this.o.limits.network,
      ...(captured ? { captureBytes: captured.maxBytes } : {}) };
    const cacheable = !needsNetwork && !over.stdin && !over.stdout;
    const done = await this.cached(where, normalized, cacheable, async () => {
      let result: StepResult;
      try {
        result = await this.o.instance.run(run);
      } catch (err) {
        if (err instanceof UnknownUserError) throw new StepFailure('UserNotFound', `${where}: user "${run.user}" does not exist in the image (${err.message}).`);
        if (err instanceof OutputListenerError) {
          const failure = new StepFailure('InternalError', `${where}: ${err.message}`);
          try {
            this.o.log('system', `kiln: ${failure.info}\n`);
          } catch {
            // the log itself may be what failed: the execution's ErrorInfo still says it
          }
          throw failure;
        }
        throw err;
      }
      this.check(where, result, needsNetwork);
      let layer: LayerBlob | undefined;
      if (keep && this.o.captureLayers) layer = await this.captureWithinQuota(where, result.upperDir);
      if (keep) this.o.instance.commitStep();
      const output = captured?.text();
      return { ...(layer ? { layer } : {}), ...(output !== undefined ? { output } : {}) };
    });
    if (done.layer) {
      this.checkImageQuota(where, done.layer); // a layer reused from the step cache counts too
      this.captured.push(done.layer);
      this.capturedBy.push(this.current ? `${where}: ${describeStep(this.current.step)}` : where);
    }
    return capture ? done.output : '';
  }

  /**
   * Captures a step's layer, failing the step when it takes the image past its account's quota
   * (see `imageQuota`) or when its files hold more than the system disk: only sparse files can
   * (a tar archives them whole), and they fail before their bytes reach the host.
   */
  private async captureWithinQuota(where: string, upperDir: string): Promise<LayerBlob> {
    const q = this.o.imageQuota;
    const diskBytes = this.o.limits.diskGiB * 1024 ** 3;
    let layer: LayerBlob;
    try {
      layer = await this.o.layers.capture(upperDir, q?.bytes, diskBytes);
    } catch (err) {
      if (!(err instanceof LayerTooLargeError)) throw err;
      if (!q || (err.files && err.maxBytes === diskBytes && diskBytes < q.bytes)) {
        throw new StepFailure('InstanceDiskFull', `${where}: the step's files hold more than the system disk (SystemDiskSize ${this.o.limits.diskGiB} GiB) as a layer stores them (sparse files count at their full size); the layer was not kept.`);
      }
      throw new StepFailure('QuotaExceed.ImageStorage', `${where}: the step's changes are larger than the image storage quota of account ${q.accountId} (${formatBytes(q.bytes)}, ${q.bytes} bytes); the layer was not kept.`);
    }
    // Failing here, before the step is recorded, leaves the layer to garbage collection.
    this.checkImageQuota(where, layer);
    return layer;
  }

  private checkImageQuota(where: string, layer: LayerBlob): void {
    const q = this.o.imageQuota;
    if (!q) return;
    const bytes = distinctBytes([...q.below(), ...this.captured, layer]);
    if (bytes <= q.bytes) return;
    throw new StepFailure('QuotaExceed.ImageStorage', `${where}: with this step's layer (${formatBytes(layer.size)}) the image alone holds ${formatBytes(bytes)} (${bytes} bytes) of layers, more than the image storage quota of account ${q.accountId} (${formatBytes(q.bytes)}, ${q.bytes} bytes).`);
  }

  private check(where: string, r: StepResult, needsNetwork: boolean): void {
    const l = this.o.limits;
    if (r.cancelled) throw new StepCancelled();
    if (r.oomKilled) throw new StepFailure('InstanceOutOfMemory', `${where}: the step needed more than the ${l.memoryMiB} MiB of memory of InstanceType ${l.instanceType} and was killed.`);
    if (r.timedOut) throw new StepFailure('StepTimeout', `${where}: the step ran longer than ${Math.round(this.o.stepTimeoutMs / 1000)} s and was killed.`);
    if (r.diskFull) throw new StepFailure('InstanceDiskFull', `${where}: the system disk (SystemDiskSize ${l.diskGiB} GiB) is full; the step failed with exit code ${r.exitCode}.`);
    if (r.exitCode !== 0) {
      const hint = needsNetwork && l.network === 'none' ? ' The instance has no network (InternetMaxBandwidthOut=0).' : '';
      throw new StepFailure('BuildCommandFailed', `${where}: the command exited with code ${r.exitCode}.${hint}`);
    }
  }
}
