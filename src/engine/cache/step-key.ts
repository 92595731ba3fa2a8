import { createHash } from 'node:crypto';

/**
 * Step cache keys. A key is the sha256 of the chain before the step and the normalized step;
 * the chain after a step digests the step's key with what the step produced (its layer and the
 * state of /tmp). Keys therefore depend on results, not only on instructions: a step that is
 * rerun and makes different bytes (a newer package, a timestamp) gives its successors new keys,
 * so a cached layer is only ever reused on top of exactly the layers it was made on.
 */

const VERSION = 'kiln-step-cache/v1';

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The chain at the bottom of a build: the base image's layers (by digest) and its configuration. */
export function baseChain(layerDigests: readonly string[], config: unknown): string {
  return sha256(JSON.stringify([VERSION, 'base', layerDigests, config]));
}

/**
 * What a step is, for its key. For a container step: the exact process (argv after every
 * expansion, environment, working directory, user), whether its changes are kept, the
 * network it has (a step may behave differently without one) and, for a YAML task whose stdout
 * later tasks may refer to, the most of it that is kept (`captureBytes`): its entry's output is
 * what that limit kept, absent when the task printed more.
 */
export type NormalizedStep =
  | { op: 'exec'; argv: readonly string[]; env: readonly string[]; cwd: string; user: string; keep: boolean; network: 'none' | 'user'; captureBytes?: number }
  | { op: 'repair'; script: string; network: 'none' | 'user' }
  | { op: 'restart' };

export function stepKey(chain: string, step: NormalizedStep): string {
  return sha256(JSON.stringify([chain, step]));
}

/** The chain after a step with this key made `layerDigest` (if any) and left `/tmp` as `tmpDigest` (undefined: empty). */
export function chainAfter(key: string, layerDigest: string | undefined, tmpDigest: string | undefined): string {
  return sha256(JSON.stringify([key, layerDigest ?? null, tmpDigest ?? null]));
}
