import type { BuildState } from './build-state.js';
import { releaseInstance } from './instance-slot.js';
import { noCleanup, type Phase } from './run-phases.js';

/**
 * The last phase: the instance still held (the test instance) is released before the engine
 * returns; RELEASING is announced by the app afterwards. A build that stops earlier is released by
 * `prepare`'s cleanup.
 */
export const release: Phase<BuildState> = {
  name: 'release',
  async run(state) {
    await releaseInstance(state);
  },
  cleanup: noCleanup,
};
