import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Metrics, MetricsJson } from './metrics.js';

/*
 * `/metrics` across `kiln serve --api-processes N` (node:cluster). A scrape reaches one API child;
 * the child asks the primary (ASK), which asks every connected child for its metrics as JSON
 * (COLLECT / COLLECTED, the asker included), adds its own (the build and task workers, GC and the
 * queue gauges live there) and sums them with prom-client's `AggregatorRegistry.aggregate` (each
 * metric by its aggregator: counters and histograms summed, the store's gauges by max), then
 * answers the text (ANSWER). prom-client's own `clusterMetrics()` aggregates the children only
 * and from the primary only, hence this small protocol on the same aggregation.
 */

const ASK = 'kiln:metrics:ask';
const ANSWER = 'kiln:metrics:answer';
const COLLECT = 'kiln:metrics:collect';
const COLLECTED = 'kiln:metrics:collected';

/** How long the primary waits for each child's metrics; a child that does not answer is left out of that scrape. */
const COLLECT_TIMEOUT_MS = 3_000;
/** How long a child waits for the primary's aggregate. */
const ASK_TIMEOUT_MS = 10_000;

interface Message {
  type?: unknown;
  id?: unknown;
  metrics?: unknown;
  text?: unknown;
  error?: unknown;
}

let nextId = 0;

/**
 * In the primary: answers children's `clusterMetricsText()` with the aggregate of every
 * connected child and `metrics` (this process's own). Returns a function that stops answering.
 */
export function serveClusterMetricsInPrimary(metrics: Metrics): () => void {
  const pending = new Map<number, { expected: Set<number>; got: MetricsJson[]; done(): void }>();

  const aggregate = async (): Promise<string> => {
    const own = await metrics.json();
    const children = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w?.isConnected() === true);
    const got: MetricsJson[] = [];
    if (children.length > 0) {
      const id = nextId++;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, COLLECT_TIMEOUT_MS);
        function finish(): void {
          clearTimeout(timer);
          pending.delete(id);
          resolve();
        }
        pending.set(id, { expected: new Set(children.map((w) => w.id)), got, done: finish });
        for (const w of children) w.send({ type: COLLECT, id }, (err: Error | null) => err && settle(id, w.id));
      });
    }
    return AggregatorRegistry.aggregate([own, ...got]).metrics();
  };

  const settle = (id: number, workerId: number, json?: MetricsJson): void => {
    const p = pending.get(id);
    if (!p?.expected.delete(workerId)) return;
    if (json) p.got.push(json);
    if (p.expected.size === 0) p.done();
  };

  const onMessage = (worker: Worker, msg: Message): void => {
    if (msg?.type === COLLECTED && typeof msg.id === 'number') {
      settle(msg.id, worker.id, Array.isArray(msg.metrics) ? (msg.metrics as MetricsJson) : undefined);
    } else if (msg?.type === ASK) {
      aggregate().then(
        (text) => worker.isConnected() && worker.send({ type: ANSWER, id: msg.id, text }),
        (err: unknown) => worker.isConnected() && worker.send({ type: ANSWER, id: msg.id, error: err instanceof Error ? err.message : String(err) }),
      );
    }
  };
  cluster.on('message', onMessage);
  return () => {
    cluster.off('message', onMessage);
  };
}

/**
 * In a cluster child: answers the primary's requests for this process's metrics (the child's
 * requests, its process metrics). Returns a function that stops answering.
 */
export function answerClusterCollects(metrics: Metrics): () => void {
  const onMessage = (msg: Message): void => {
    if (msg?.type !== COLLECT) return;
    metrics.json().then(
      (json) => process.send?.({ type: COLLECTED, id: msg.id, metrics: json }),
      () => process.send?.({ type: COLLECTED, id: msg.id }),
    );
  };
  process.on('message', onMessage);
  return () => {
    process.off('message', onMessage);
  };
}

/**
 * In a cluster child: the metrics of the whole cluster (every child and the primary), in the
 * Prometheus text format, from the primary. Rejects when the primary does not answer in time.
 */
export function clusterMetricsText(): Promise<string> {
  const send = process.send?.bind(process);
  if (!send) return Promise.reject(new Error('not a cluster child: no IPC channel to the primary'));
  const id = `${process.pid}-${nextId++}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error('the primary did not answer with the cluster metrics in time')), ASK_TIMEOUT_MS);
    const onMessage = (msg: Message): void => {
      if (msg?.type !== ANSWER || msg.id !== id) return;
      finish(typeof msg.text === 'string' ? undefined : new Error(`the primary could not aggregate the metrics: ${String(msg.error)}`), msg.text as string);
    };
    function finish(err: Error | undefined, text?: string): void {
      clearTimeout(timer);
      process.off('message', onMessage);
      if (err) reject(err);
      else resolve(text ?? '');
    }
    process.on('message', onMessage);
    send({ type: ASK, id }, undefined, {}, (err: Error | null) => err && finish(err));
  });
}
