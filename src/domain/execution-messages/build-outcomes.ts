import { REPAIR_STATUSES, type BuildFailure, type CancelledBuild, type EnginePhase, type FailedBuild, type KeptInstance, type RepairItemResult, type StepCounts } from '../build-artifact.js';
import type { BuildOutcome } from '../builder.js';
import type { ErrorCode } from '../errors.js';
import type { Image } from '../image.js';
import type { DistributionProblem } from '../distribution.js';

/*
 * An execution's Status, Message, ErrorCode and ErrorInfo, made from what the build produced (the
 * engine's `BuildArtifact`, the registered image, the distribution's result): every outcome
 * sentence of a build is written here and nowhere else. Clients and tests read the fields
 * (Status, ErrorCode, ImageId); Message is for people and may say more over time.
 */


/** `Repair: 5 OK, 1 REPAIRED`: how many check items ended in each status (`no items` when none ran). */
export function repairSummary(results: readonly RepairItemResult[]): string {
  const parts = REPAIR_STATUSES.map((s) => [s, results.filter((r) => r.status === s).length] as const)
    .filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`);
  return `Repair: ${parts.length > 0 ? parts.join(', ') : 'no items'}`;
}

/** `3 step(s) run, 2 from the step cache` (or why the step cache was not used). */
export function stepsSummary(steps: StepCounts): string {
  const reuse = steps.cacheMode === 'off' ? 'step cache off for this template'
    : steps.cacheMode === 'refresh' ? 'step cache bypassed for this execution' : `${steps.reused} from the step cache`;
  return `${steps.run} step(s) run, ${reuse}`;
}

function repaired(repair: readonly RepairItemResult[] | undefined): string {
  return repair ? ` ${repairSummary(repair)}.` : '';
}

/** SUCCESS: the image is registered (and distributed wherever the template asked). */
export function succeeded(image: Image, steps: StepCounts, repair: readonly RepairItemResult[] | undefined): BuildOutcome {
  return { status: 'SUCCESS', message: `Image ${image.imageId} (${image.imageName}) was created.${repaired(repair)} Steps: ${stepsSummary(steps)}.`, imageId: image.imageId };
}

/** One sentence per distribution target that was not reached. */
export function distributionProblem(p: DistributionProblem): string {
  const subject = 'regionId' in p.target ? `Copy to ${p.target.regionId}` : `Share with account ${p.target.accountId}`;
  return `${subject} failed: ${p.message.replace(/\.$/, '')} (${p.code}).`;
}

/** PARTITION_SUCCESS: the image is registered, some distribution targets were refused. */
export function partiallyDistributed(image: Image, steps: StepCounts, repair: readonly RepairItemResult[] | undefined, problems: readonly DistributionProblem[]): BuildOutcome {
  return {
    status: 'PARTITION_SUCCESS',
    message: `Image ${image.imageId} was created; distribution was partial.${repaired(repair)} Steps: ${stepsSummary(steps)}.`,
    errorCode: 'DistributionFailed',
    errorInfo: problems.map(distributionProblem).join(' '),
    imageId: image.imageId,
  };
}

/** TEST_FAILED: the image is registered and kept; its test content failed. */
export function testFailed(image: Image, failure: BuildFailure): BuildOutcome {
  return { status: 'TEST_FAILED', message: `Image ${image.imageId} was created, but its test failed.`, errorCode: failure.code, errorInfo: `TestContent ${failure.info}`, imageId: image.imageId };
}

function keptNote(kept: KeptInstance | undefined): string {
  return kept ? ` The intermediate instance ${kept.name} was kept for inspection (DeleteInstanceOnFailure=false): data dir ${kept.dataDir}.` : '';
}

function cachedNote(steps: StepCounts): string {
  return steps.run > 0 || steps.reused > 0 ? ` Steps: ${stepsSummary(steps)}; the steps that succeeded are kept in the step cache.` : '';
}

/** FAILED in one of the engine's stages (`where.phase`), or when the made image could not be registered. */
export function failed(failure: BuildFailure, steps: StepCounts, keptInstance?: KeptInstance): BuildOutcome {
  return {
    status: 'FAILED',
    message: `Failed during ${failure.where.phase}: ${failure.info}${keptNote(keptInstance)}${cachedNote(steps)}`,
    errorCode: failure.code,
    errorInfo: failure.info,
  };
}

/** FAILED as the engine reported it. */
export function buildFailed(artifact: FailedBuild): BuildOutcome {
  return failed(artifact.failure, artifact.steps, artifact.keptInstance);
}

/**
 * FAILED because the built image was refused when it was to be registered (its name taken, the
 * image quota): reported as the end of BUILDING, where the image is made.
 */
export function registrationRefused(err: { code: ErrorCode; message: string }, steps: StepCounts, phase: EnginePhase = 'BUILDING'): BuildOutcome {
  return failed({ code: err.code, where: { phase }, info: err.message }, steps);
}

/** CANCELLED: the build was stopped (cancel, lease lost, worker stopping, whole-build limit) in the engine's stage or one of the app's. */
export function cancelled(artifact: { phase: CancelledBuild['phase'] | 'DISTRIBUTING' | 'RELEASING' }): BuildOutcome {
  return { status: 'CANCELLED', message: `Cancelled during ${artifact.phase}: the build was stopped and its resources released.` };
}

/** The stage messages of the app's stages. */
export const stageMessages = {
  distributing: (imageId: string, regions: number, accounts: number) => `Distributing image ${imageId}: ${regions} region(s), ${accounts} account(s).`,
  releasing: 'Releasing the intermediate instance.',
  releasingTest: 'Releasing the test instance.',
} as const;

/** The build log's lines for what distribution did (the copies made, the accounts shared with). */
export function distributionLog(source: Image, copies: readonly Image[], shares: ReadonlyArray<{ accountId: string; imageIds: string[] }>): string[] {
  return [
    ...copies.map((c) => `copied ${source.imageId} to ${c.regionId} as ${c.imageId}\n`),
    ...shares.map((s) => `shared ${s.imageIds.join(', ')} with account ${s.accountId}\n`),
  ];
}
