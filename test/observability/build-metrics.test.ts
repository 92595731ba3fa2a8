import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kilnFixture } from '../support/kiln-fixture.js';
import { build, buildExisting, uniqueName } from '../support/builds.js';
import { scrape, scrapeUntil, sampleValue, type Sample } from './support/scrape.js';

/*
 * /metrics after real builds (busybox, runc, one in-process worker): a build and its unchanged
 * rebuild move the execution, step, step-cache, lease, blob and GC counters.
 */

const f = kilnFixture({ KILN_WORKERS: '1' });

const delta = (before: Sample[], after: Sample[], name: string, labels: Record<string, string> = {}) => sampleValue(after, name, labels) - sampleValue(before, name, labels);

test('a build and its unchanged rebuild: executions by status, step durations, the step cache hit ratio, leases, blob bytes and GC runs', async () => {
  const before = await scrape(f.kiln.endpoint);
  const tag = uniqueName('metrics');
  const first = await build(f.v3, { buildContent: `RUN echo one > /one-${tag}\nRUN cat /proc/sys/kernel/random/uuid > /two-${tag}` });
  assert.equal(first.item.status, 'SUCCESS', JSON.stringify(first.item));
  const again = await buildExisting(f.v3, first.pipelineId);
  assert.equal(again.item.status, 'SUCCESS', JSON.stringify(again.item));
  // The first build's garbage collection runs in the background after its outcome.
  const after = await scrapeUntil(f.kiln.endpoint, (s) => delta(before, s, 'kiln_gc_runs_total', { result: 'ok' }) >= 1, 'a garbage collection');

  assert.equal(delta(before, after, 'kiln_executions_finished_total', { status: 'SUCCESS' }), 2);
  assert.equal(delta(before, after, 'kiln_step_cache_misses_total'), 2, 'the first build ran both steps');
  assert.equal(delta(before, after, 'kiln_step_cache_hits_total'), 2, 'the rebuild reused both');
  assert.equal(delta(before, after, 'kiln_build_step_duration_seconds_count', { cache: 'miss' }), 2);
  assert.equal(delta(before, after, 'kiln_build_step_duration_seconds_count', { cache: 'hit' }), 2);
  assert.ok(delta(before, after, 'kiln_build_step_duration_seconds_sum', { cache: 'miss' }) > 0);
  assert.equal(delta(before, after, 'kiln_worker_leases_total', { job: 'execution', event: 'claimed' }), 2);
  assert.equal(delta(before, after, 'kiln_worker_leases_total', { job: 'execution', event: 'lost' }), 0);
  assert.ok(delta(before, after, 'kiln_blob_store_bytes_total', { direction: 'in' }) > 0, 'layers, configs and manifests were put');
  assert.equal(sampleValue(after, 'kiln_gc_runs_total', { result: 'failed' }), 0);
  assert.equal(sampleValue(after, 'kiln_queue_depth'), 0);
  assert.equal(sampleValue(after, 'kiln_executions', { status: 'BUILDING' }), 0);
});
