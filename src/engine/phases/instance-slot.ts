import { randomBytes } from 'node:crypto';
import { LazyInstance } from '../build/lazy-instance.js';
import type { BuildState, InstanceSlot } from './build-state.js';

/**
 * The build's instance: one at a time (the intermediate instance, then the test instance), so a
 * build never holds more than the one SystemDiskSize its host disk admission promised. It is
 * created when the first step that is not in the step cache runs (see `LazyInstance`).
 */
export function openInstance(state: BuildState, role: InstanceSlot['role'], name: string, lowerDirs: readonly string[]): LazyInstance {
  if (state.slot) throw new Error(`the ${state.slot.role} instance ${state.slot.name} is still open`);
  const { limits, deps } = state;
  const instance = new LazyInstance((dirs) => deps.driver.create({
    name,
    hostname: `iZ${randomBytes(8).toString('hex')}Z`,
    layers: dirs,
    cpus: limits.cpus,
    memoryMiB: limits.memoryMiB,
    diskGiB: limits.diskGiB,
    network: limits.network,
  }), lowerDirs, deps.layers);
  state.slot = { role, name, instance };
  return instance;
}

/**
 * Releases the build's instance: the one place an instance is destroyed. `keep`: a created
 * instance is left as it is for inspection (DeleteInstanceOnFailure=false) and named in `state.kept`.
 */
export async function releaseInstance(state: BuildState, keep = false): Promise<void> {
  const slot = state.slot;
  if (!slot) return;
  state.slot = undefined;
  if (keep && slot.instance.created) {
    state.kept = { name: slot.name, dataDir: `instances/${slot.name}` };
    return;
  }
  await slot.instance.destroy();
}
