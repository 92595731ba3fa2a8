import type { BuiltArtifact, BuiltImage } from '../domain/build-artifact.js';
import type { Builder, BuildContext, BuildOutcome, BuildResult, BuildRunner, RecordedOutcome } from '../domain/builder.js';
import { isKilnError } from '../domain/errors.js';
import type { Execution } from '../domain/execution.js';
import { newAccountImage, type Image } from '../domain/image.js';
import type { ImagePipeline } from '../domain/pipeline.js';
import type { Repositories } from '../domain/ports.js';
import { ecsTime } from '../domain/time.js';
import * as messages from '../domain/execution-messages/index.js';
import { distributeImage } from './image-registry-distribution.js';
import { layerRefs, type ImageRegistry } from './image-registry.js';

/**
 * The image an execution builds, as the template names it: ImageOptions.ImageName (else the
 * template's ImageName, else its Name) followed by `_<execution id>` unless
 * AdvancedOptions.ImageNameSuffix=disable; the family, description and tags of ImageOptions (or
 * the template's family); its NvmeSupport (ImageOptions.ImageFeatures, else the template's);
 * the template's SystemDiskSize; created when the engine wrote it. What kind of image it is (OS
 * names, platform, architecture, BootMode, cloud-init) it keeps from its base image, as ECS does.
 */
export function builtImageOf(pipeline: ImagePipeline, execution: Execution, imageId: string, built: BuiltImage): Image {
  const options = pipeline.imageOptions;
  const prefix = options?.imageName ?? pipeline.imageName ?? pipeline.name;
  const imageName = pipeline.advancedOptions?.imageNameSuffix === 'disable' ? prefix : `${prefix}_${execution.id}`;
  const family = options?.imageFamily ?? pipeline.imageFamily;
  // The template's NvmeSupport becomes the image's own (`auto`: Kiln cannot tell, the default).
  const nvme = options?.imageFeatures?.nvmeSupport ?? pipeline.nvmeSupport;
  return newAccountImage({
    ...built.baseAttributes,
    imageId, regionId: execution.regionId, accountId: execution.accountId, imageName,
    ...(family ? { imageFamily: family } : {}),
    ...(nvme === 'supported' || nvme === 'unsupported' ? { features: { nvmeSupport: nvme } } : {}),
    ...(options?.description ? { description: options.description } : {}),
    size: pipeline.systemDiskSize, creationTime: built.creationTime, tags: options?.imageTags ?? [],
    manifestDigest: built.manifestDigest, sourceExecutionId: execution.id,
  });
}

/**
 * Moves to one of the app's stages; a build stopped meanwhile (a cancel that arrived as the
 * engine finished, a lost lease, the whole-build limit) ends CANCELLED there, with nothing
 * registered. Undefined when the stage was entered.
 */
async function stopped(ctx: BuildContext, stage: 'DISTRIBUTING' | 'RELEASING', message: string): Promise<BuildOutcome | undefined> {
  try {
    await ctx.stage(stage, message);
    return undefined;
  } catch (err) {
    if (ctx.signal.aborted) return messages.cancelled({ phase: stage });
    throw err;
  }
}

/**
 * What an execution means, on top of the engine: the engine builds and tests (PREPARING to
 * TESTING) and returns its `BuildArtifact`; this registers the image it made (also when its test
 * failed: TEST_FAILED keeps the image), announces DISTRIBUTING and RELEASING, distributes the
 * image to the template's regions and accounts, and says how the execution ended (Status,
 * Message, ErrorCode, ErrorInfo, from `domain/execution-messages/`).
 *
 * The image, its copies and shares, their log lines and the terminal status are written in one
 * transaction (the worker's, see `RecordedOutcome`): a build that is stopped or loses its lease
 * before then registers nothing, and a refused registration (a name taken, the image quota)
 * leaves nothing but the FAILED status.
 */
export class BuildExecution implements Builder {
  constructor(private readonly engine: BuildRunner, private readonly registry: ImageRegistry) {}

  cleanupLeftovers(executionId: string): Promise<string[]> {
    return this.engine.cleanupLeftovers(executionId);
  }

  async run(ctx: BuildContext): Promise<BuildResult> {
    const artifact = await this.engine.run(ctx);
    if (artifact.outcome === 'cancelled') return messages.cancelled(artifact);
    if (artifact.outcome === 'failed') return messages.buildFailed(artifact);

    const { pipeline, execution } = ctx;
    const image = builtImageOf(pipeline, execution, this.registry.newImageId(), artifact.image);
    const test = artifact.test;
    if (test.status === 'failed') {
      return (await stopped(ctx, 'RELEASING', messages.stageMessages.releasingTest))
        ?? this.recorded(artifact, image, async () => messages.testFailed(image, test.failure));
    }
    const distributes = pipeline.toRegionIds.length > 0 || pipeline.addAccounts.length > 0;
    const stop = (distributes ? await stopped(ctx, 'DISTRIBUTING', messages.stageMessages.distributing(image.imageId, pipeline.toRegionIds.length, pipeline.addAccounts.length)) : undefined)
      ?? (await stopped(ctx, 'RELEASING', messages.stageMessages.releasing));
    if (stop) return stop;
    return this.recorded(artifact, image, async (tx) => {
      if (!distributes) return messages.succeeded(image, artifact.steps, artifact.repair);
      const done = await distributeImage(this.registry, tx, image, pipeline);
      const lines = messages.distributionLog(image, done.copies, done.shares);
      if (lines.length > 0) await tx.executionLogs.append(execution.id, lines.map((text) => ({ stream: 'system' as const, text, time: ecsTime() })));
      return done.problems.length > 0
        ? messages.partiallyDistributed(image, artifact.steps, artifact.repair, done.problems)
        : messages.succeeded(image, artifact.steps, artifact.repair);
    });
  }

  /** The outcome the worker records with `image`: registered first, then `then` (distribution) in the same transaction. */
  private recorded(artifact: BuiltArtifact, image: Image, then: (tx: Repositories) => Promise<BuildOutcome>): RecordedOutcome {
    const what = `the new image ${image.imageId} of ${image.sourceExecutionId}`;
    return {
      record: {
        write: async (tx) => {
          await this.registry.register(tx, image, layerRefs(artifact.image.layers), what);
          return then(tx);
        },
        refused: (err) => (isKilnError(err) ? messages.registrationRefused(err, artifact.steps) : undefined),
      },
    };
  }
}
