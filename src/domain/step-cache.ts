import type { Scope } from './ports.js';

/**
 * One cached build step: what running the step with this cache key produced. The key (see
 * `engine/cache/step-key.ts`) digests everything the step's result depends on, so an entry
 * with the same key in the same account and region can stand in for running the step.
 */
export interface StepCacheEntry extends Scope {
  /** sha256 hex of the parent chain and the normalized step. */
  key: string;
  /** The layer the step made (an OCI layer blob digest); absent for steps that only check (USER). */
  layerDigest?: string;
  /** Bytes of the layer blob (what the size bound counts). */
  layerSize: number;
  /** The instance's /tmp after the step, as a tar blob, when it was not empty (see the cache rules). */
  tmpDigest?: string;
  /** Bytes of that tar (the cache quota counts them); absent on entries recorded before sizes were. */
  tmpSize?: number;
  /**
   * A YAML task's captured stdout, for later `{{ task.stdout }}` references: at most the capture
   * limit its key names (`captureBytes`); absent when the task printed more. Counted by the
   * account's cache quota.
   */
  output?: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms of the last build that used the entry (the LRU order of eviction). */
  lastUsedAt: number;
}

/** How the step cache is used by one execution. */
export type CacheMode =
  /** Look entries up and record new ones. */
  | 'use'
  /** Run every step, then record (refresh) the entries: `kiln:step-cache=bypass` on the execution. */
  | 'refresh'
  /** Neither read nor write: `kiln:step-cache=off` on the template. */
  | 'off';

/** The tag key that controls the step cache, on a template (`off`) or an execution (`bypass`). */
export const STEP_CACHE_TAG = 'kiln:step-cache';

/**
 * The cache mode for an execution: the template's tag `kiln:step-cache=off` switches the cache
 * off for every build of it; the execution's tag `kiln:step-cache=bypass` (or `off`) runs every
 * step of that one build (which then refreshes the entries, unless the template said `off`).
 */
export function cacheModeOf(templateTags: ReadonlyArray<{ key: string; value: string }>, executionTags: ReadonlyArray<{ key: string; value: string }>): CacheMode {
  const value = (tags: ReadonlyArray<{ key: string; value: string }>) => tags.find((t) => t.key === STEP_CACHE_TAG)?.value.trim().toLowerCase();
  if (value(templateTags) === 'off') return 'off';
  const run = value(executionTags);
  if (run === 'bypass' || run === 'off' || run === 'refresh') return 'refresh';
  return 'use';
}
