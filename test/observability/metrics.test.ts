import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OPERATIONS } from '../../src/api/operations/registry.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { kilnFixture } from '../support/kiln-fixture.js';
import { expectError, REGION, startKiln } from '../support/kiln.js';
import { $Ecs, createPipeline } from '../support/ecs-requests.js';
import { scrape, sampleValue, type Sample } from './support/scrape.js';

/*
 * /metrics over real HTTP after calls through the official SDK, on a Kiln without build
 * workers (so started executions stay queued): requests by action and code, latencies, the
 * queue read from the store, and labels that stay bounded whatever clients send.
 */

const f = kilnFixture();

const delta = (before: Sample[], after: Sample[], name: string, labels: Record<string, string> = {}) => sampleValue(after, name, labels) - sampleValue(before, name, labels);

describe('/metrics', () => {
  test('counts requests by action and response code, with a latency histogram by action, beside the process metrics', async () => {
    const before = await scrape(f.kiln.endpoint);
    await f.v3.describeRegions(new $Ecs.DescribeRegionsRequest({}));
    await f.kiln.clients.v1.describeRegions(new $Ecs.DescribeRegionsRequest({}));
    const refused = await expectError(() => f.v3.startImagePipelineExecution(new $Ecs.StartImagePipelineExecutionRequest({ regionId: REGION, imagePipelineId: 'ip-0000000000000000nosuch' })));
    const after = await scrape(f.kiln.endpoint);

    assert.equal(delta(before, after, 'kiln_api_requests_total', { action: 'DescribeRegions', code: 'Success' }), 2);
    assert.equal(delta(before, after, 'kiln_api_requests_total', { action: 'StartImagePipelineExecution', code: refused.code }), 1, refused.code);
    assert.equal(delta(before, after, 'kiln_api_request_duration_seconds_count', { action: 'DescribeRegions' }), 2);
    assert.ok(delta(before, after, 'kiln_api_request_duration_seconds_sum', { action: 'DescribeRegions' }) > 0);
    assert.equal(sampleValue(after, 'kiln_api_request_duration_seconds_bucket', { action: 'DescribeRegions', le: '+Inf' }), sampleValue(after, 'kiln_api_request_duration_seconds_count', { action: 'DescribeRegions' }));
    // prom-client's default metrics of the process
    assert.ok(after.some((s) => s.name === 'process_cpu_user_seconds_total'));
    assert.ok(after.some((s) => s.name === 'nodejs_eventloop_lag_seconds'));
  });

  test('a flood of actions Kiln does not have, and requests without an action, add one `unknown` series, never one per name', async () => {
    const before = await scrape(f.kiln.endpoint);
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${f.kiln.endpoint}/?Action=Bogus${i}Action&Version=2014-05-26&Format=JSON`);
      assert.equal(res.status, 404);
    }
    assert.equal((await fetch(`${f.kiln.endpoint}/?Version=2014-05-26`)).status, 400);
    const after = await scrape(f.kiln.endpoint);

    const actions = new Set(after.filter((s) => s.name === 'kiln_api_requests_total').map((s) => s.labels.action));
    const known = new Set([...OPERATIONS.keys(), 'unknown']);
    assert.deepEqual([...actions].filter((a) => !known.has(a ?? '')), []);
    assert.equal(delta(before, after, 'kiln_api_requests_total', { action: 'unknown', code: 'InvalidAction.NotFound' }), 40);
    assert.equal(delta(before, after, 'kiln_api_requests_total', { action: 'unknown', code: 'MissingParameter.Action' }), 1);
    assert.equal(after.filter((s) => s.name === 'kiln_api_request_duration_seconds_count' && s.labels.action === 'unknown').length, 1);
  });

  test('the queue (depth, age of the oldest, executions by status) is read from the store on each scrape', async () => {
    const empty = await scrape(f.kiln.endpoint);
    assert.equal(sampleValue(empty, 'kiln_queue_depth'), 0);
    assert.equal(sampleValue(empty, 'kiln_queue_oldest_age_seconds'), 0);

    for (let i = 0; i < 2; i++) {
      const pipelineId = await createPipeline(f.v3, { buildContent: 'RUN true' });
      await f.v3.startImagePipelineExecution(new $Ecs.StartImagePipelineExecutionRequest({ regionId: REGION, imagePipelineId: pipelineId }));
    }
    const queued = await scrape(f.kiln.endpoint);
    assert.equal(sampleValue(queued, 'kiln_queue_depth'), 2);
    assert.equal(sampleValue(queued, 'kiln_executions', { status: 'PREPARING' }), 2);
    assert.equal(sampleValue(queued, 'kiln_executions', { status: 'BUILDING' }), 0);
    assert.ok(sampleValue(queued, 'kiln_queue_oldest_age_seconds') >= 0);
    // Terminal statuses are counted as they happen (kiln_executions_finished_total), not read back from the history.
    assert.equal(queued.filter((s) => s.name === 'kiln_executions' && s.labels.status === 'SUCCESS').length, 0);
  });
});

test('KILN_METRICS=false: no /metrics route (the RPC endpoint answers the path as an unknown action)', async () => {
  const kiln = await startKiln({ KILN_METRICS: 'false' });
  try {
    const res = await fetch(`${kiln.endpoint}/metrics`);
    assert.equal(res.status, 404);
    assert.doesNotMatch(await res.text(), /kiln_api_requests_total/);
  } finally {
    await kiln.stop();
  }
});

test('scrapes at once share one read of the queue (an unauthenticated flood of scrapes is not a flood of store queries)', async () => {
  const metrics = createMetrics();
  let reads = 0;
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  metrics.readQueueFrom(async () => {
    reads++;
    await held;
    return { active: {}, queued: 3, oldestQueuedAt: undefined };
  });
  const scrapes = Array.from({ length: 20 }, () => metrics.text());
  release();
  for (const text of await Promise.all(scrapes)) assert.match(text, /^kiln_queue_depth 3$/m);
  assert.equal(reads, 1);
  await metrics.text();
  assert.equal(reads, 2, 'a later scrape reads again');
});
