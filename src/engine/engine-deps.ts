import type { BlobStore } from '../blobs/blob-store.js';
import type { RegisterImportedBase } from '../domain/build-artifact.js';
import type { ResolvedContent } from '../domain/buildcontent/index.js';
import type { Image } from '../domain/image.js';
import type { ImagePipeline } from '../domain/pipeline.js';
import type { StorageQuotasOf } from '../domain/storage-quota.js';
import type { Telemetry } from '../domain/telemetry.js';
import type { StepCachePort } from './cache/step-cache-port.js';
import type { GcScheduler } from './gc/gc-scheduler.js';
import type { InstanceDriver } from './instance/instance.js';
import type { LayerStore } from './layers/layer-store.js';
import type { OssTenancy } from './oss/oss-access.js';

/**
 * What the build engine is given: narrow ports, never the store. It reads templates' content and
 * base images through the app, keeps blobs and layers, records the step cache, and hands an OSS
 * import back to the app to be made an image; it registers no image and distributes nothing.
 */
export interface EngineDeps {
  blobs: BlobStore;
  layers: LayerStore;
  driver: InstanceDriver & { reap(namePrefix: string): Promise<void> };
  /** The step cache's entries and the build's blob pins. */
  stepCache: StepCachePort;
  /** The template's content with its components bound, or undefined when it has none. */
  resolveContent(pipeline: ImagePipeline, kind: 'build' | 'test'): Promise<ResolvedContent | undefined>;
  /** The template's base image as the caller sees it (image id or family), or undefined. */
  findBaseImage(pipeline: ImagePipeline): Promise<Image | undefined>;
  /** BaseImageType=OSS: makes the imported root filesystem the build's base image (see `RegisterImportedBase`). */
  registerBase: RegisterImportedBase;
  /**
   * The object store BaseImageType=OSS and OSSDownload/OSSUpload reach, as each account may use
   * it (its granted buckets, its key); undefined: they fail with `OSS.NotConfigured`.
   */
  oss?: OssTenancy;
  /** Garbage collection, run after builds (see `GcScheduler`). */
  gc?: GcScheduler;
  /**
   * Each account's storage quotas (absent: none). The engine checks them early, at build time: a
   * base image or a step's layer that alone makes the image larger than the image quota fails the
   * build (`QuotaExceed.ImageStorage`); the step cache stays within the cache quota. Whether the
   * image may be registered is the app's check, when it registers it.
   */
  quotas?: StorageQuotasOf;
  /** Step durations and step-cache outcomes are counted here (`/metrics`; absent: nowhere). */
  telemetry?: Telemetry;
  /** Per-step limit (default one hour). */
  stepTimeoutMs?: number;
  /** The most a YAML task may print for `{{ task.stdout }}` (bytes; default `DEFAULT_TASK_OUTPUT_MAX_BYTES`, see `build/task-output.ts`). */
  taskOutputMaxBytes?: number;
}
