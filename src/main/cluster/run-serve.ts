import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { banner } from '../../cli/banner.js';
import type { KilnConfig } from '../../config/config.js';
import { serve } from '../serve.js';
import { runApiChild } from './api-child.js';
import { runClusterPrimary } from './primary.js';

/** How many API processes `kiln serve` runs: `apiProcesses`, where `0` means one per core. */
export function apiProcessCount(config: Pick<KilnConfig, 'apiProcesses'>): number {
  return config.apiProcesses > 0 ? config.apiProcesses : availableParallelism();
}

/**
 * `kiln serve`: one process as `serve()` when there is one API process; else the cluster's
 * primary, or, in a process it forked (which runs this same command), an API child. Resolves
 * the exit code once stopped by SIGINT/SIGTERM (a child never resolves: it exits).
 */
export async function runServe(config: KilnConfig): Promise<number> {
  if (cluster.isWorker) {
    await runApiChild(config);
    return new Promise<number>(() => {});
  }
  const processes = apiProcessCount(config);
  if (processes > 1) return runClusterPrimary(config, processes);
  const running = await serve(config);
  console.log(banner(running, config));
  return new Promise<number>((resolve) => {
    const stop = () => {
      running.stop().then(() => resolve(0), () => resolve(1));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
