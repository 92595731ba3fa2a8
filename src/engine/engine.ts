import type { BuildArtifact } from '../domain/build-artifact.js';
import type { BuildContext, BuildRunner } from '../domain/builder.js';
import type { EngineDeps } from './engine-deps.js';
import { artifactOf } from './phases/artifact.js';
import { build } from './phases/build.js';
import { initialState, type BuildState } from './phases/build-state.js';
import { prepare } from './phases/prepare.js';
import { release } from './phases/release.js';
import { repair } from './phases/repair.js';
import { runPhases, type Phase } from './phases/run-phases.js';
import { test } from './phases/test.js';

export type { EngineDeps };

/** The phases of a build, in order (see `phases/`). */
export const BUILD_PHASES: readonly Phase<BuildState>[] = [prepare, repair, build, test, release];

/**
 * The build engine: builds a template on this machine and returns what it made.
 * PREPARING (base image, intermediate instance) → REPAIRING (with RepairMode: the check items
 * of `repair/`, repairs kept as a layer) → BUILDING (each step a container and a layer; then the
 * OCI image in the blob store) → TESTING (a fresh instance from the new image's layers) → its
 * instances released. It registers no image and distributes nothing: the app does, from the
 * `BuildArtifact`.
 */
export class BuildEngine implements BuildRunner {
  constructor(private readonly d: EngineDeps) {}

  async run(ctx: BuildContext): Promise<BuildArtifact> {
    const state = initialState(ctx, this.d);
    return artifactOf(state, await runPhases(BUILD_PHASES, state));
  }

  async cleanupLeftovers(executionId: string): Promise<string[]> {
    const found = await this.d.driver.leftovers(executionId);
    if (found.length > 0) await this.d.driver.reap(executionId);
    return found;
  }

  /** Waits for a garbage collection in progress (before the store closes). */
  async idle(): Promise<void> {
    await this.d.gc?.idle();
  }
}
