import type { Instance, StepResult } from '../instance/instance.js';
import type { LayerBlob } from '../layers/capture-layer.js';
import type { LayerStore } from '../layers/layer-store.js';
import { StepCancelled, StepFailure } from '../build/step-failure.js';
import { ITEM_MARKER, parseResults, repairScript, selectItems, type RepairResult } from './script.js';

/** Longer lines are passed to the log as they come: no marker or result line is this long. */
const MAX_LINE = 64 * 1024;

export interface RepairOptions {
  instance: Instance;
  layers: LayerStore;
  /** RepairItem.N as the template lists them (empty: every Linux item). */
  items: readonly string[];
  timeoutMs: number;
  /** The instance reaches the internet (InternetMaxBandwidthOut > 0): items may install packages. */
  network?: boolean;
  signal: AbortSignal;
  log(stream: 'stdout' | 'stderr' | 'system', text: string): void;
}

export interface RepairOutcome {
  results: RepairResult[];
  /** The repairs as a layer (below the build's layers), or undefined when nothing was repaired. */
  layer?: LayerBlob;
}

/**
 * REPAIRING: runs the check items as one root step on the intermediate instance. When an item
 * repaired something, the step's changes are captured as a layer and committed (the build's
 * steps then run on top of it); otherwise the step is discarded. Items reported NOT REPAIRED
 * do not fail the build: like the cloud, Kiln reports them and goes on. Only the script failing
 * (an item erroring out, the step killed) fails it, with `RepairFailed` naming the item.
 */
export async function runRepair(o: RepairOptions): Promise<RepairOutcome> {
  const items = selectItems(o.items);
  // Only what is needed is held, whatever the image's commands print: one result per item run
  // (the last it reported) and the line being read, up to MAX_LINE characters.
  const reported = new Map<string, RepairResult>();
  let pending = '';
  let current = items[0]?.name ?? '';
  const onLine = (line: string): void => {
    if (line.startsWith(ITEM_MARKER)) {
      current = line.slice(ITEM_MARKER.length);
      return;
    }
    o.log('stdout', `${line}\n`);
    for (const r of parseResults(line)) if (items.some((i) => i.name === r.item)) reported.set(r.item, r);
  };
  const result: StepResult = await o.instance.run({
    argv: ['/bin/sh', '-c', repairScript(items)],
    env: [`KILN_NETWORK=${o.network ? 'yes' : 'no'}`],
    cwd: '/',
    user: 'root',
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    onOutput: (stream, chunk) => {
      const text = chunk.toString('utf8');
      if (stream === 'stderr') { o.log('stderr', text); return; }
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) onLine(l);
      if (pending.length > MAX_LINE) {
        o.log('stdout', pending);
        pending = '';
      }
    },
  });
  if (pending) onLine(pending);
  if (result.cancelled) throw new StepCancelled();
  const failed = (why: string): StepFailure => new StepFailure('RepairFailed', `RepairMode ${current}: ${why}`);
  if (result.oomKilled) throw failed('the check ran out of memory and was killed.');
  if (result.timedOut) throw failed(`the check ran longer than ${Math.round(o.timeoutMs / 1000)} s and was killed.`);
  if (result.diskFull) throw failed('the system disk is full.');
  if (result.exitCode !== 0) throw failed(`the check failed (exit code ${result.exitCode}); see the execution's logs.`);
  const results = [...reported.values()];
  const missing = items.filter((i) => !results.some((r) => r.item === i.name)).map((i) => i.name);
  if (missing.length > 0) throw new StepFailure('RepairFailed', `RepairMode ${missing[0]}: the check reported no result.`);
  if (!results.some((r) => r.status === 'REPAIRED')) return { results };
  const layer = await o.layers.capture(result.upperDir);
  o.instance.commitStep();
  return { results, layer };
}
