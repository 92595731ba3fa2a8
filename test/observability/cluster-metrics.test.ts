import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { serveClusterMetricsInPrimary } from '../../src/observability/cluster-metrics.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { parseExposition, sampleValue } from './support/scrape.js';

/*
 * The cluster bridge on its own (kiln serve --api-processes N uses it; test/cluster checks it
 * through HTTP): a primary and two node:cluster children, each with its own counts. A child's
 * scrape gets every child's counts and the primary's own, summed, and the store's gauges once.
 */

const children: Worker[] = [];
after(() => {
  for (const w of children) w.process.kill('SIGKILL');
});

test("a child's scrape answers the sum of every child's metrics and the primary's own", async () => {
  const primary = createMetrics();
  for (let i = 0; i < 3; i++) primary.telemetry.lease('execution', 'claimed');
  primary.readQueueFrom(async () => ({ active: { PREPARING: 4 }, queued: 4, oldestQueuedAt: Date.now() - 5_000 }));
  const stop = serveClusterMetricsInPrimary(primary);
  try {
    cluster.setupPrimary({ exec: fileURLToPath(new URL('./fixtures/metrics-child.ts', import.meta.url)), execArgv: ['--import', 'tsx'], silent: true });
    for (const requests of [2, 5]) {
      const w = cluster.fork({ REQUESTS: String(requests) });
      children.push(w);
      const [m] = (await once(w, 'message')) as [{ test?: string }];
      assert.equal(m.test, 'ready');
    }
    const asker = children[0] as Worker;
    const scraped = new Promise<{ text?: string; error?: string }>((resolve) => {
      asker.on('message', (m: { test?: string; text?: string; error?: string }) => m.test === 'scraped' && resolve(m));
    });
    asker.send({ test: 'scrape' });
    const reply = await scraped;
    assert.equal(reply.error, undefined);
    const samples = parseExposition(reply.text ?? '');
    assert.equal(sampleValue(samples, 'kiln_api_requests_total', { action: 'DescribeRegions', code: 'Success' }), 7, 'both children');
    assert.equal(sampleValue(samples, 'kiln_api_request_duration_seconds_count', { action: 'DescribeRegions' }), 7);
    assert.equal(sampleValue(samples, 'kiln_worker_leases_total', { job: 'execution', event: 'claimed' }), 3, "the primary's own");
    assert.equal(sampleValue(samples, 'kiln_queue_depth'), 4, 'read once, not summed over the processes');
    assert.equal(sampleValue(samples, 'kiln_executions', { status: 'PREPARING' }), 4);
  } finally {
    stop();
  }
});
