import type { Readable } from 'node:stream';
import type { Instance, StepResult, StepRun } from '../instance/instance.js';
import { UnknownUserError } from '../instance/user.js';
import type { LayerBlob } from '../layers/capture-layer.js';
import type { LayerStore } from '../layers/layer-store.js';
import { envList, expand, resolveWorkdir, setEnv, type ImageConfigState } from '../image-config.js';
import type { PlanStep } from '../plan/steps.js';
import type { OssAccess } from '../oss/oss-access.js';
import { runOssDownload, runOssUpload, type OssStepContext } from '../oss/oss-steps.js';
import { StepCancelled, StepFailure } from './step-failure.js';
import { startupHookScript } from './startup-hook.js';

export interface StepRunnerOptions {
  instance: Instance;
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
  /** The object store OSSDownload/OSSUpload reach; undefined: they fail with `OSS.NotConfigured`. */
  oss?: OssAccess;
}

/** `{{ task.stdout }}` references to earlier YAML tasks' output. */
const OUTPUT_REF = /\{\{\s*([A-Za-z0-9_-]+)\.stdout\s*\}\}/g;

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

/**
 * Runs a plan's steps on an instance, one container per step: a step that changes files
 * becomes a layer (captured from its overlay upper dir, then committed as a lower dir for the
 * next steps); ENV, LABEL, CMD and ENTRYPOINT only change the image configuration.
 * Throws `StepFailure` (with the step's line) or `StepCancelled`.
 */
export class StepRunner {
  readonly captured: LayerBlob[] = [];
  private readonly outputs = new Map<string, string>();

  constructor(private readonly o: StepRunnerOptions) {}

  async runAll(steps: readonly PlanStep[]): Promise<void> {
    for (const [i, step] of steps.entries()) {
      if (this.o.signal.aborted) throw new StepCancelled();
      await this.o.onStep?.(i + 1, steps.length, step);
      this.o.log('system', `--> ${step.where}: ${describeStep(step)}\n`);
      await this.runStep(step);
    }
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
        setEnv(c, step.pairs);
        return;
      case 'label':
        for (const [k, v] of step.pairs) c.labels[k] = expand(v, c.env);
        return;
      case 'startup':
        if (step.keyword === 'CMD') c.cmd = step.argv;
        else c.entrypoint = step.argv;
        return;
      case 'restart':
        this.o.log('system', 'restarting the instance: every process ends and the instance starts again\n');
        await this.o.instance.restart();
        return;
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
      case 'copy': {
        const source = expand(step.source, c.env);
        const dest = expand(step.dest, c.env);
        const script = step.sourceKind === 'url'
          ? 'mkdir -p "$KILN_DEST" && cd "$KILN_DEST" && wget -q "$KILN_SRC"'
          : 'mkdir -p "$KILN_DEST" && cp -a "$KILN_SRC" "$KILN_DEST"/';
        await this.exec(step.where, ['/bin/sh', '-c', script], { env: [`KILN_SRC=${source}`, `KILN_DEST=${dest}`] }, true, step.sourceKind === 'url');
        return;
      }
      case 'download': {
        // The time limit comes from `timeout` (busybox and coreutils both have it), not `wget -T`:
        // busybox 1.35's wget crashes (SIGSEGV) whenever -T is given.
        const script = 'mkdir -p "$KILN_DEST" && cd "$KILN_DEST" && timeout "$KILN_TIMEOUT" wget -q ${KILN_TOKEN:+--header="Authorization: token $KILN_TOKEN"} "$KILN_SRC"';
        const env = [`KILN_SRC=${step.url}`, `KILN_DEST=${step.destinationDir}`, `KILN_TIMEOUT=${step.timeoutSeconds}`, ...(step.token ? [`KILN_TOKEN=${step.token}`] : [])];
        await this.exec(step.where, ['/bin/sh', '-c', script], { env }, true, true);
        return;
      }
      case 'ossDownload':
        await runOssDownload(step, this.ossContext(step.where));
        return;
      case 'ossUpload':
        await runOssUpload(step, this.ossContext(step.where));
        return;
      case 'run': {
        const command = step.command.replace(OUTPUT_REF, (whole, task: string) => this.outputs.get(task) ?? whole);
        const out = await this.exec(step.where, ['/bin/sh', '-c', command], { ...(step.cwd ? { cwd: step.cwd } : {}), ...(step.user ? { user: step.user } : {}) }, true, false, step.captureAs !== undefined);
        if (step.captureAs) this.outputs.set(step.captureAs, out.trimEnd());
        return;
      }
    }
  }

  private ossContext(where: string): OssStepContext {
    const o = this.o;
    return {
      oss: o.oss, signal: o.signal, log: o.log,
      resolve: (text) => text.replace(OUTPUT_REF, (whole, task: string) => this.outputs.get(task) ?? whole),
      exec: (argv, over, keep) => this.exec(where, argv, over, keep),
    };
  }

  /**
   * Runs one container; on success captures and commits its changes when `keep` is set.
   * `stdin` feeds the command; `stdout` takes its output instead of the log (file transfers).
   */
  private async exec(where: string, argv: string[], over: { user?: string; cwd?: string; env?: string[]; stdin?: Readable; stdout?: (chunk: Buffer) => void }, keep: boolean, needsNetwork = false, capture = false): Promise<string> {
    const c = this.o.config;
    let stdout = '';
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
        const text = chunk.toString('utf8');
        if (capture && stream === 'stdout') stdout += text;
        this.o.log(stream, text);
      },
    };
    let result: StepResult;
    try {
      result = await this.o.instance.run(run);
    } catch (err) {
      if (err instanceof UnknownUserError) throw new StepFailure('UserNotFound', `${where}: user "${run.user}" does not exist in the image (${err.message}).`);
      throw err;
    }
    this.check(where, result, needsNetwork);
    if (keep && this.o.captureLayers) {
      this.captured.push(await this.o.layers.capture(result.upperDir));
      this.o.instance.commitStep();
    } else if (keep) {
      this.o.instance.commitStep();
    }
    return stdout;
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
