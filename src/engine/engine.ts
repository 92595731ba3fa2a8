import { randomBytes } from 'node:crypto';
import type { BlobStore } from '../blobs/blob-store.js';
import type { ResolvedContent } from '../domain/buildcontent/index.js';
import type { Builder, BuildContext, BuildOutcome } from '../domain/builder.js';
import { findInstanceType } from '../domain/catalog/instance-types.js';
import { newAccountImage, type Image } from '../domain/image.js';
import type { ImagePipeline } from '../domain/pipeline.js';
import type { Scope, Store } from '../domain/ports.js';
import { ecsTime } from '../domain/time.js';
import { runnableImage, type RunnableImage } from './base-layers.js';
import { StepCancelled, StepFailure } from './build/step-failure.js';
import { LazyInstance } from './build/lazy-instance.js';
import { StepRunner } from './build/step-runner.js';
import { DEFAULT_TASK_OUTPUT_MAX_BYTES } from './build/task-output.js';
import { BuildCache } from './cache/build-cache.js';
import { baseChain } from './cache/step-key.js';
import { cacheModeOf } from '../domain/step-cache.js';
import { formatBytes } from '../domain/bytes.js';
import { IMAGE_STORAGE_QUOTA_CODE, distinctBytes, registerImage, type StorageQuotas, type StorageQuotasOf } from '../domain/storage-quota.js';
import { isKilnError } from '../domain/errors.js';
import { initialConfig } from './image-config.js';
import { writeImage } from './image/oci-image.js';
import type { InstanceDriver } from './instance/instance.js';
import type { LayerBlob } from './layers/capture-layer.js';
import type { LayerStore } from './layers/layer-store.js';
import { planSteps } from './plan/plan.js';
import { ossAccessFor, type OssTenancy } from './oss/oss-access.js';
import { importOssBase } from './oss/oss-base-image.js';
import { IMPORT_ROLE, STEP_ROLE } from '../oss/oss-grants.js';
import { distribute } from './distribute.js';
import type { GcScheduler } from './gc/gc-scheduler.js';
import { runRepair } from './repair/run-repair.js';
import { repairScript, selectItems, summarize, type RepairResult } from './repair/script.js';

export interface EngineDeps {
  store: Store;
  blobs: BlobStore;
  layers: LayerStore;
  driver: InstanceDriver & { reap(namePrefix: string): Promise<void> };
  /** The template's content with its components bound, or undefined when it has none. */
  resolveContent(pipeline: ImagePipeline, kind: 'build' | 'test'): Promise<ResolvedContent | undefined>;
  /** The template's base image as the caller sees it (image id or family), or undefined. */
  findBaseImage(pipeline: ImagePipeline): Promise<Image | undefined>;
  newImageId(): string;
  /**
   * The object store BaseImageType=OSS and OSSDownload/OSSUpload reach, as each account may use
   * it (its granted buckets, its key); undefined: they fail with `OSS.NotConfigured`.
   */
  oss?: OssTenancy;
  /** Garbage collection, run after builds (see `GcScheduler`). */
  gc?: GcScheduler;
  /**
   * Each account's storage quotas (absent: none). An image that would take its account past its
   * image quota is not registered (the build fails with `QuotaExceed.ImageStorage`, early when a
   * step's layer alone makes the image too large); the step cache stays within the cache quota.
   */
  quotas?: StorageQuotasOf;
  /** Per-step limit (default one hour). */
  stepTimeoutMs?: number;
  /** The most a YAML task may print for `{{ task.stdout }}` (bytes; default `DEFAULT_TASK_OUTPUT_MAX_BYTES`, see `build/task-output.ts`). */
  taskOutputMaxBytes?: number;
}

const DEFAULT_STEP_TIMEOUT_MS = 3_600_000;
const NO_QUOTAS: StorageQuotas = { imageBytes: 0, cacheBytes: 0 };

/**
 * The build engine: runs an execution through the service's lifecycle on this machine.
 * PREPARING (base image, intermediate instance) → REPAIRING (with RepairMode: the check items
 * of `repair/`, repairs kept as a layer) → BUILDING (each step a container and a
 * layer; then the OCI image) → TESTING (a fresh instance from the new image) → DISTRIBUTING
 * (copies to regions, shares with accounts) → RELEASING (instances removed) → a terminal status.
 */
export class BuildEngine implements Builder {
  constructor(private readonly d: EngineDeps) {}

  async cleanupLeftovers(executionId: string): Promise<string[]> {
    const found = await this.d.driver.leftovers(executionId);
    if (found.length > 0) await this.d.driver.reap(executionId);
    return found;
  }

  /** Waits for a garbage collection in progress (before the store closes). */
  async idle(): Promise<void> {
    await this.d.gc?.idle();
  }

  async run(ctx: BuildContext): Promise<BuildOutcome> {
    const { pipeline, execution } = ctx;
    const scope: Scope = { accountId: execution.accountId, regionId: execution.regionId };
    const type = findInstanceType(pipeline.instanceType);
    const limits = {
      instanceType: pipeline.instanceType,
      memoryMiB: (type?.memorySizeGiB ?? 8) * 1024,
      cpus: type?.cpuCoreCount ?? 2,
      diskGiB: pipeline.systemDiskSize,
      network: pipeline.internetMaxBandwidthOut > 0 ? 'user' as const : 'none' as const,
    };
    const stepTimeoutMs = this.d.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
    const taskOutputMaxBytes = this.d.taskOutputMaxBytes ?? DEFAULT_TASK_OUTPUT_MAX_BYTES;
    let instance: LazyInstance | undefined;
    let keepInstance = false;
    let phase = 'PREPARING';
    // The image made at the end of BUILDING; a build stopped after it (TESTING) does not keep it.
    let saved: Image | undefined;
    const quotas = this.d.quotas?.(execution.accountId) ?? NO_QUOTAS;
    const cache = new BuildCache({
      store: this.d.store, blobs: this.d.blobs, scope, executionId: execution.id,
      mode: cacheModeOf(pipeline.tags, execution.tags), quotaBytes: quotas.cacheBytes,
    });
    try {
      // PREPARING: resolve what the template refers to now (it may have changed since creation).
      // The import reads OSS as the cloud does: through the template's RoleName (default ECS's import role), in the template's account.
      const importAccess = () => ossAccessFor(this.d.oss, pipeline.accountId, pipeline.importImageOptions?.roleName || IMPORT_ROLE);
      const base = pipeline.baseImageType === 'OSS'
        ? await importOssBase({ ...this.d, oss: importAccess() }, { pipeline, executionId: execution.id, log: ctx.log, signal: ctx.signal })
        : await this.d.findBaseImage(pipeline);
      if (!base) throw new StepFailure('InvalidImage.NotFound', `The base image ${pipeline.baseImage ?? '(OSS import)'} does not exist or is not visible to this account.`);
      const build = await this.d.resolveContent(pipeline, 'build');
      const test = await this.d.resolveContent(pipeline, 'test');
      ctx.log('system', `Preparing base image ${base.imageId} (system base images are made on this machine the first time they are used).\n`);
      await ctx.progress(`Preparing base image ${base.imageId}.`);
      const baseImage = await runnableImage(base, this.d.layers, this.d.blobs, ctx.signal);
      if (ctx.signal.aborted) throw new StepCancelled();
      const baseBytes = distinctBytes(baseImage.layers);
      if (quotas.imageBytes > 0 && baseBytes > quotas.imageBytes) {
        throw new StepFailure(IMAGE_STORAGE_QUOTA_CODE, `The base image ${base.imageId} alone holds ${formatBytes(baseBytes)} (${baseBytes} bytes) of layers, more than the image storage quota of account ${execution.accountId} (${formatBytes(quotas.imageBytes)}, ${quotas.imageBytes} bytes): no image built on it could be registered.`);
      }
      cache.pin(baseImage.layers.map((l) => l.digest));
      await cache.flush();
      await ctx.stage('PREPARING', `Preparing the intermediate instance (${pipeline.instanceType}: ${limits.cpus} vCPU, ${limits.memoryMiB / 1024} GiB; ${limits.diskGiB} GiB disk; network ${limits.network}); it is created when the first step that is not in the step cache runs.`);
      const newInstance = (name: string, dirs: string[]) => this.d.driver.create({
        name,
        hostname: `iZ${randomBytes(8).toString('hex')}Z`,
        layers: dirs,
        cpus: limits.cpus,
        memoryMiB: limits.memoryMiB,
        diskGiB: limits.diskGiB,
        network: limits.network,
      });
      instance = new LazyInstance((dirs) => newInstance(execution.id, dirs), baseImage.dirs, this.d.layers);
      const config = initialConfig(baseImage.config);
      // OSSDownload/OSSUpload reach OSS as Image Builder's service-linked role of the template's account.
      const stepOss = ossAccessFor(this.d.oss, pipeline.accountId, STEP_ROLE);
      const runner = new StepRunner({
        instance, layers: this.d.layers, config, limits, stepTimeoutMs, taskOutputMaxBytes, signal: ctx.signal, captureLayers: true, oss: stepOss,
        cache: { cache, blobs: this.d.blobs, chain: baseChain(baseImage.layers.map((l) => l.digest), baseImage.config) },
        ...(quotas.imageBytes > 0 ? { imageQuota: { accountId: execution.accountId, bytes: quotas.imageBytes, below: () => [...baseImage.layers, ...repairLayers] } } : {}),
        log: ctx.log,
        onStep: (i, total, step) => ctx.progress(`Building: step ${i}/${total} (${step.where}).`),
      });

      // REPAIRING: the check items on the base image's filesystem; repairs become a layer
      // under the build's. Items NOT REPAIRED are reported (logs, Message), never a failure.
      let repairSummary = '';
      const repairLayers: LayerBlob[] = [];
      if (pipeline.repairMode) {
        phase = 'REPAIRING';
        const count = pipeline.repairItems.length > 0 ? `${pipeline.repairItems.length} item(s): ${pipeline.repairItems.join(', ')}` : 'every Linux item';
        await ctx.stage('REPAIRING', `Checking and repairing the image (RepairMode=${pipeline.repairMode}, ${count}).`);
        const lazy = instance;
        const repair = await runner.cached('RepairMode', { op: 'repair', script: repairScript(selectItems(pipeline.repairItems)) }, true, async () => {
          const done = await runRepair({ instance: await lazy.ready(), layers: this.d.layers, items: pipeline.repairItems, timeoutMs: stepTimeoutMs, signal: ctx.signal, log: ctx.log });
          return { ...(done.layer ? { layer: done.layer } : {}), output: JSON.stringify(done.results) };
        });
        if (repair.layer) repairLayers.push(repair.layer);
        const results = JSON.parse(repair.output ?? '[]') as RepairResult[];
        repairSummary = summarize(results);
        ctx.log('system', `${repairSummary}.\n`);
        await ctx.progress(`${repairSummary}.`);
      }

      // BUILDING
      phase = 'BUILDING';
      const steps = build ? planSteps(build) : [];
      const cacheNote = cache.mode === 'use' ? '' : cache.mode === 'refresh' ? ' (step cache bypassed for this execution: every step runs)' : ' (step cache off for this template)';
      await ctx.stage('BUILDING', `Building: ${steps.length} step(s) on ${base.imageId}${cacheNote}.`);
      await runner.runAll(steps);
      await runner.installStartupCommand();

      await cache.flush();
      const imageId = this.d.newImageId();
      const image = await this.saveImage(scope, pipeline, execution.id, imageId, baseImage, repairLayers, runner, config, quotas.imageBytes);
      saved = image;
      const stepsSummary = `Steps: ${cache.summary()}.`;
      ctx.log('system', `${stepsSummary}\n`);
      await ctx.progress(`Image ${imageId} (${image.imageName}) created with ${repairLayers.length + runner.captured.length} new layer(s). ${stepsSummary}`, imageId);
      await instance.destroy();
      instance = undefined;

      // TESTING
      const testSteps = test ? planSteps(test) : [];
      if (testSteps.length > 0) {
        phase = 'TESTING';
        await ctx.stage('TESTING', `Testing image ${imageId}: ${testSteps.length} step(s) on a fresh instance.`);
        const built = await runnableImage(image, this.d.layers, this.d.blobs, ctx.signal);
        instance = new LazyInstance((dirs) => newInstance(`${execution.id}-t`, dirs), built.dirs, this.d.layers);
        const tester = new StepRunner({
          instance, layers: this.d.layers, config: initialConfig(built.config), limits, stepTimeoutMs, taskOutputMaxBytes, signal: ctx.signal, captureLayers: false, oss: stepOss,
          log: ctx.log,
          onStep: (i, total, step) => ctx.progress(`Testing: step ${i}/${total} (${step.where}).`),
        });
        try {
          await tester.runAll(testSteps);
        } catch (err) {
          if (!(err instanceof StepFailure)) throw err;
          await instance.destroy();
          instance = undefined;
          await ctx.stage('RELEASING', 'Releasing the test instance.');
          return { status: 'TEST_FAILED', message: `Image ${imageId} was created, but its test failed.`, errorCode: err.code, errorInfo: `TestContent ${err.info}`, imageId };
        }
        await instance.destroy();
        instance = undefined;
      }

      // DISTRIBUTING
      let problems: string[] = [];
      if (pipeline.toRegionIds.length > 0 || pipeline.addAccounts.length > 0) {
        phase = 'DISTRIBUTING';
        await ctx.stage('DISTRIBUTING', `Distributing image ${imageId}: ${pipeline.toRegionIds.length} region(s), ${pipeline.addAccounts.length} account(s).`);
        problems = await distribute(this.d.store, image, pipeline, this.d.newImageId, ctx.log);
      }

      phase = 'RELEASING';
      await ctx.stage('RELEASING', 'Releasing the intermediate instance.');
      const repaired = repairSummary ? ` ${repairSummary}.` : '';
      if (problems.length > 0) {
        return { status: 'PARTITION_SUCCESS', message: `Image ${imageId} was created; distribution was partial.${repaired} ${stepsSummary}`, errorCode: 'DistributionFailed', errorInfo: problems.join(' '), imageId };
      }
      return { status: 'SUCCESS', message: `Image ${imageId} (${image.imageName}) was created.${repaired} ${stepsSummary}`, imageId };
    } catch (err) {
      if (err instanceof StepCancelled || ctx.signal.aborted) {
        if (saved) await this.d.store.images.delete(scope, saved.imageId).catch((e: unknown) => ctx.log('system', `The image ${saved!.imageId} of this stopped build could not be removed: ${(e as Error).message}\n`));
        return { status: 'CANCELLED', message: `Cancelled during ${phase}: the build was stopped and its resources released.` };
      }
      if (!(err instanceof StepFailure)) throw err;
      keepInstance = instance?.created === true && !pipeline.deleteInstanceOnFailure;
      const kept = keepInstance ? ` The intermediate instance ${execution.id} was kept for inspection (DeleteInstanceOnFailure=false): data dir instances/${execution.id}.` : '';
      const cached = cache.hits > 0 || cache.runs > 0 ? ` Steps: ${cache.summary()}; the steps that succeeded are kept in the step cache.` : '';
      return { status: 'FAILED', message: `Failed during ${phase}: ${err.info}${kept}${cached}`, errorCode: err.code, errorInfo: err.info };
    } finally {
      if (instance && !keepInstance) await instance.destroy();
      // What the build ran is kept for the next one even when it failed (it resumes at the failed step).
      await cache.flush().catch((err: unknown) => ctx.log('system', `The step cache could not record this build's steps: ${(err as Error).message}\n`));
      this.d.gc?.afterBuild();
    }
  }

  private async saveImage(scope: Scope, pipeline: ImagePipeline, executionId: string, imageId: string, base: RunnableImage, repairLayers: LayerBlob[], runner: StepRunner, config: ReturnType<typeof initialConfig>, imageQuotaBytes: number): Promise<Image> {
    const options = pipeline.imageOptions;
    const prefix = options?.imageName ?? pipeline.imageName ?? pipeline.name;
    const imageName = pipeline.advancedOptions?.imageNameSuffix === 'disable' ? prefix : `${prefix}_${executionId}`;
    if (await this.d.store.images.nameTaken(scope, imageName)) {
      throw new StepFailure('InvalidImageName.Duplicated', `The image name ${imageName} is already in use in the target region ${scope.regionId}.`);
    }
    const created = ecsTime();
    const layers = [...base.layers, ...repairLayers, ...runner.captured];
    for (const l of layers) {
      // Pins keep them (see gc/collect-garbage.ts); this catches a blob removed by hand.
      if (!(await this.d.blobs.has(l.digest))) throw new StepFailure('LayerMissing', `Layer ${l.digest} of the image is no longer in the blob store; start the execution again (the step cache will not reuse it).`);
    }
    const { manifestDigest } = await writeImage(this.d.blobs, {
      layers, config, created,
      history: [...base.layers.map(() => `base image ${pipeline.baseImage ?? ''}`), ...repairLayers.map(() => `RepairMode=${pipeline.repairMode ?? ''} repairs of ${executionId}`), ...runner.captured.map((_, i) => `step ${i + 1} of ${executionId}`)],
      annotations: { 'org.opencontainers.image.ref.name': imageName, 'com.kiln.execution': executionId },
    });
    const family = options?.imageFamily ?? pipeline.imageFamily;
    const image = newAccountImage({
      imageId, regionId: scope.regionId, accountId: scope.accountId, imageName,
      ...(family ? { imageFamily: family } : {}),
      ...(options?.description ? { description: options.description } : {}),
      size: pipeline.systemDiskSize, creationTime: created, tags: options?.imageTags ?? [], manifestDigest, sourceExecutionId: executionId,
    });
    try {
      // The image row and its layer records in one transaction: past the quota, neither is written.
      await this.d.store.transaction((tx) => registerImage(tx, image, layers, imageQuotaBytes, `the new image ${imageId} of ${executionId}`));
    } catch (err) {
      if (isKilnError(err) && err.code === IMAGE_STORAGE_QUOTA_CODE) throw new StepFailure(err.code, err.message);
      throw err;
    }
    return image;
  }
}
