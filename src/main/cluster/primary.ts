import cluster from 'node:cluster';
import { banner } from '../../cli/banner.js';
import type { KilnConfig } from '../../config/config.js';
import { serveClusterMetricsInPrimary } from '../../observability/cluster-metrics.js';
import { boot } from '../boot.js';
import { processLogger, storeMetrics, workerLogs } from '../observability.js';
import { wakeWorkersOnQueueSignal } from '../queue-wake.js';
import { startWorkers } from '../workers.js';
import { ApiChildren } from './api-children.js';

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * `kiln serve` with N > 1 API processes, in the primary: opens the store (running pending
 * migrations, once, before any child exists), makes the default account, starts the build and
 * task workers (`KILN_WORKERS`; their garbage collection runs here too), then forks N API
 * children that share the port and run no build. Prints the banner once every child listens.
 * SIGINT/SIGTERM drain: the children finish their requests in flight and exit, then the
 * workers stop, the store closes, and the promise resolves 0. Resolves 1 if a child cannot
 * start.
 */
export async function runClusterPrimary(config: KilnConfig, processes: number): Promise<number> {
  const log = (message: string, err?: unknown, fields?: Record<string, unknown>) =>
    console.error(`kiln serve: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}${err === undefined ? '' : `: ${describe(err)}`}`);
  const { app, credentials } = await boot(config);
  // The workers (and the queue gauges) count here; the children's /metrics ask this process
  // for the sum of every process's metrics, its own included.
  const metrics = storeMetrics(app);
  // The workers' lines are JSON on stdout, as the API children's (each naming its execution or task).
  const workerLines = workerLogs(processLogger(config));
  const workers = startWorkers(app, config.workers, workerLines.log, credentials.accountId, { ...(metrics ? { telemetry: metrics.telemetry } : {}), info: workerLines.info });
  const stopMetrics = metrics ? serveClusterMetricsInPrimary(metrics) : () => {};
  // PostgreSQL: Starts on other hosts' API processes wake these workers too (LISTEN/NOTIFY).
  const wake = wakeWorkersOnQueueSignal(config, workers);
  // The primary accepts no connection itself: the kernel hands them to the children (it runs
  // builds and GC, and must not sit on the request path); NODE_CLUSTER_SCHED_POLICY=rr overrides.
  if (process.env.NODE_CLUSTER_SCHED_POLICY === undefined) cluster.schedulingPolicy = cluster.SCHED_NONE;
  const children = new ApiChildren({
    count: processes,
    log,
    // A Start or an export/import in a child wakes this process's idle workers at once.
    onQueued: (job) => {
      for (const wake of job === 'execution' ? app.executionQueued : app.taskQueued) wake();
    },
  });
  let stopping: Promise<number> | undefined;
  const stop = (code: number): Promise<number> => {
    stopping ??= (async () => {
      await children.drain();
      stopMetrics();
      await wake?.close();
      await workers.stop();
      await app.store.close();
      return code;
    })();
    return stopping;
  };
  const signalled = new Promise<number>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(stop(0)));
  });
  let port: number;
  try {
    port = await Promise.race([children.start(), signalled.then(() => undefined)]) ?? -1;
  } catch (err) {
    log('could not start the API processes', err);
    return stop(1);
  }
  if (port < 0) return signalled;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  console.log(banner({ credentials, endpoint: `${config.tlsCertFile ? 'https' : 'http'}://${host}:${port}` }, config));
  console.log(`  ${processes} API processes (pids ${children.pids.join(', ')}); builds run in pid ${process.pid}\n`);
  return signalled;
}
