import type { Instance, StepResult, StepRun } from '../instance/instance.js';
import type { LayerStore } from '../layers/layer-store.js';

/**
 * The intermediate instance, created when a step first has to run. While steps come from the
 * step cache nothing runs, so an unchanged rebuild creates no instance at all (no disk, cgroup
 * or network), and the layers of cached steps are only extracted from the blob store when a
 * later step runs on top of them.
 */
export class LazyInstance {
  private instance: Instance | undefined;
  private readonly pending: string[] = [];

  constructor(
    private readonly create: (lowerDirs: string[]) => Promise<Instance>,
    private readonly baseDirs: readonly string[],
    private readonly layers: LayerStore,
  ) {}

  /** Whether the instance exists (some step ran, or `ready` was called). */
  get created(): boolean {
    return this.instance !== undefined;
  }

  /** The instance, created (with the layers of the cached steps so far) when it does not exist yet. */
  async ready(): Promise<Instance> {
    const digests = this.pending.splice(0);
    const dirs: string[] = [];
    for (const digest of digests) dirs.push((await this.layers.ensure(digest)).dir);
    if (!this.instance) {
      this.instance = await this.create([...this.baseDirs, ...dirs]);
    } else {
      for (const dir of dirs) this.instance.commitLayer(dir);
    }
    return this.instance;
  }

  async run(step: StepRun): Promise<StepResult> {
    return (await this.ready()).run(step);
  }

  commitStep(): void {
    if (!this.instance) throw new Error('no step ran');
    this.instance.commitStep();
  }

  /** A layer from the step cache (by blob digest) goes on top for the next steps that run. */
  commitCachedLayer(digest: string): void {
    this.pending.push(digest);
  }

  /** RESTART: a fresh instance needs none. */
  async restart(): Promise<void> {
    await this.instance?.restart();
  }

  async destroy(): Promise<void> {
    const i = this.instance;
    this.instance = undefined;
    await i?.destroy();
  }
}
