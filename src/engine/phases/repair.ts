import { runRepair } from '../repair/run-repair.js';
import { repairSummary } from '../../domain/execution-messages/index.js';
import { repairScript, selectItems, type RepairResult } from '../repair/script.js';
import { enter, made, type BuildState } from './build-state.js';
import { noCleanup, type Phase } from './run-phases.js';

/**
 * REPAIRING (templates with RepairMode only): the check items run on the base image's filesystem
 * as one cached step; repairs become a layer under the build's. Items NOT REPAIRED are reported
 * (logs, results), never a failure.
 */
export const repair: Phase<BuildState> = {
  name: 'repair',
  async run(state) {
    const { ctx, deps } = state;
    const { pipeline } = ctx;
    if (!pipeline.repairMode) return;
    const count = pipeline.repairItems.length > 0 ? `${pipeline.repairItems.length} item(s): ${pipeline.repairItems.join(', ')}` : 'every Linux item';
    await enter(state, 'REPAIRING', `Checking and repairing the image (RepairMode=${pipeline.repairMode}, ${count}).`);
    const runner = made(state.runner, 'step runner');
    const instance = made(state.slot, 'instance').instance;
    state.step = 'RepairMode';
    const { network } = state.limits;
    const done = await runner.cached('RepairMode', { op: 'repair', script: repairScript(selectItems(pipeline.repairItems)), network }, true, async () => {
      const ran = await runRepair({ instance: await instance.ready(), layers: deps.layers, items: pipeline.repairItems, timeoutMs: state.stepTimeoutMs, network: network === 'user', signal: ctx.signal, log: ctx.log });
      return { ...(ran.layer ? { layer: ran.layer } : {}), output: JSON.stringify(ran.results) };
    });
    state.step = undefined;
    if (done.layer) state.repairLayers.push(done.layer);
    const results = JSON.parse(done.output ?? '[]') as RepairResult[];
    state.repair = results;
    const summary = repairSummary(results);
    ctx.log('system', `${summary}.\n`);
    await ctx.progress(`${summary}.`);
  },
  cleanup: noCleanup,
};
