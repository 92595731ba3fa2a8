import type { ErrorCode } from './errors.js';
import type { Image } from './image.js';
import type { ImagePipeline } from './pipeline.js';
import type { CacheMode } from './step-cache.js';

/**
 * What a build produced, as data: the engine returns it, the app decides what it means (registers
 * the image under its name and quota, distributes it, writes Status/Message/ErrorCode/ErrorInfo).
 * No prose here except `BuildFailure.info`, the sentence that names what went wrong.
 *
 * - `built`: the image is in the blob store (manifest, config, layers). Its test may have failed
 *   (`test.status === 'failed'`): the app still registers the image and reports TEST_FAILED.
 * - `failed`: nothing usable was made before TESTING (PREPARING, REPAIRING or BUILDING failed).
 * - `cancelled`: the build was stopped (cancel, lost lease, worker stopping, whole-build timeout);
 *   a build stopped during TESTING is `cancelled` too, and the app registers nothing.
 *
 * Whatever the outcome, the engine has released every instance it made before it returns, except
 * an intermediate instance kept on purpose (`failed.instance.kept`, DeleteInstanceOnFailure=false).
 */
export type BuildArtifact = BuiltArtifact | FailedBuild | CancelledBuild;

/** The stages the engine announces (through `BuildContext.stage`); DISTRIBUTING and RELEASING are the app's. */
export type EnginePhase = 'PREPARING' | 'REPAIRING' | 'BUILDING' | 'TESTING';

export interface BuiltArtifact {
  outcome: 'built';
  image: BuiltImage;
  steps: StepCounts;
  /** The RepairMode check items' results, in order; absent when the template has no RepairMode. */
  repair?: RepairItemResult[];
  test: TestResult;
}

export interface FailedBuild {
  outcome: 'failed';
  failure: BuildFailure;
  /** The intermediate instance, when it was kept for inspection (DeleteInstanceOnFailure=false and it had been created). */
  keptInstance?: KeptInstance;
  /** Steps run and reused before the failure (the ones that succeeded are in the step cache). */
  steps: StepCounts;
  /** Present when REPAIRING finished before the failure. */
  repair?: RepairItemResult[];
}

export interface CancelledBuild {
  outcome: 'cancelled';
  /** The stage the build was in when it stopped. */
  phase: EnginePhase;
  steps: StepCounts;
}

/** A layer blob of the built image, as its manifest names it. */
export interface BuiltLayer {
  digest: string;
  size: number;
}

/** The attributes a built image carries over from its base image. */
export type BaseImageAttributes = Pick<Image, 'osType' | 'osName' | 'osNameEn' | 'platform' | 'architecture' | 'bootMode' | 'isSupportCloudinit'>;

/**
 * The OCI image the build wrote into the blob store. What it is registered as (image id, name,
 * family, tags, description, region copies) is the app's to decide.
 */
export interface BuiltImage {
  manifestDigest: string;
  configDigest: string;
  /** Every layer of the manifest, bottom first: the base image's, then RepairMode's, then the steps'. */
  layers: BuiltLayer[];
  /** How many of `layers` this build added (RepairMode's layer and the steps' layers). */
  newLayers: number;
  /** The base image as the template resolved it (an image id, or `oss://bucket/object` for an OSS import that was not retained). */
  baseImageId: string;
  /** What the image is, as its base says (the OS, the platform, how it boots): a build changes the files, not the kind of machine they boot on. */
  baseAttributes: BaseImageAttributes;
  /** ECS time format (`2024-01-02T03:04:05Z`), also the OCI config's `created`. */
  creationTime: string;
}

/** Where a build failed: the stage, and the step when one was running (`line 3`, `line 5 > component x 1.0.0 line 1`, `RepairMode`). */
export interface FailureSite {
  phase: EnginePhase;
  step?: string;
}

/** A failure: a registered code (the execution's ErrorCode) and what happened. */
export interface BuildFailure {
  code: ErrorCode;
  where: FailureSite;
  /**
   * The sentence saying what went wrong, naming the step when there was one ("line 3: the
   * command exited with code 1."); today's ErrorInfo is exactly this for a build failure and
   * `TestContent <info>` for a test failure.
   */
  info: string;
}

export interface KeptInstance {
  /** The instance's name (the execution id). */
  name: string;
  /** Where its files are, relative to the data dir (`instances/<name>`). */
  dataDir: string;
}

export type TestResult =
  | { status: 'passed'; steps: number }
  /** The template has no test content (or it plans no step). */
  | { status: 'notRun' }
  | { status: 'failed'; failure: BuildFailure };

/** Steps of REPAIRING and BUILDING (not TESTING), run or reused from the step cache. */
export interface StepCounts {
  /** How the step cache was used: `use`, `refresh` (bypassed by the execution), `off` (by the template). */
  cacheMode: CacheMode;
  /** Steps that ran. */
  run: number;
  /** Steps taken from the step cache (0 unless `cacheMode` is `use`). */
  reused: number;
  /** Each step that reached the cache, in order (cached steps only: ENV, LABEL… are not listed). */
  perStep: StepCacheUse[];
}

export interface StepCacheUse {
  /** `RepairMode`, `line 3`, … */
  where: string;
  cache: 'hit' | 'miss';
}

/** What a RepairMode check item can end as, in the order summaries list them. */
export const REPAIR_STATUSES = ['OK', 'REPAIRED', 'NOT REPAIRED', 'NOT APPLICABLE'] as const;

/** One RepairMode check item's result (what the engine's repair script reported). */
export interface RepairItemResult {
  /** `GUESTOS.…` */
  item: string;
  status: (typeof REPAIR_STATUSES)[number];
  /** What was found or done, or why not. */
  detail: string;
}

/**
 * BaseImageType=OSS: what the engine imported from the object store into the blob store, for the
 * app to turn into the build's base `Image` (see `RegisterImportedBase`).
 */
export interface ImportedBase {
  pipeline: ImagePipeline;
  executionId: string;
  /** `oss://bucket/object` */
  source: string;
  manifestDigest: string;
  layers: BuiltLayer[];
}

/**
 * The app's side of an OSS import: returns the base image the build goes on from. With
 * `ImportImageOptions.RetainImportedImage` it registers it as an account image (under the name
 * and image quota rules, in one transaction); otherwise it returns an unregistered image whose id
 * is `source`. A refusal is a `KilnError` (e.g. `InvalidImageName.Duplicated`,
 * `QuotaExceed.ImageStorage`): the build fails at PREPARING with its code and message.
 */
export type RegisterImportedBase = (imported: ImportedBase) => Promise<Image>;
