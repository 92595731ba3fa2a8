import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Execution } from '../../src/domain/execution.js';
import type { Scope } from '../../src/domain/ports.js';
import { minimalPipeline, newScope, uid, type SuiteContext } from './helpers.js';

function execution(scope: Scope, pipelineId: string, over: Partial<Execution> = {}): Execution {
  return {
    id: uid('exec'), pipelineId, accountId: scope.accountId, regionId: scope.regionId, status: 'PREPARING', message: 'queued',
    resourceGroupId: 'rg-default', tags: [], creationTime: '2026-11-29T08:00:00Z', modifiedTime: '2026-11-29T08:00:00Z', ...over,
  };
}

/** `executions.queueStats` (what /metrics reads on each scrape): deltas, since the suite's other tests share the database. */
export function queueStatsTests(ctx: SuiteContext): void {
  describe('execution queue stats', () => {
    it('counts active executions by status and the never-claimed ones, with the oldest queue time; terminal ones are not read', async () => {
      const scope = newScope();
      const p = minimalPipeline(scope);
      await ctx.store.pipelines.insert(p, []);
      const before = await ctx.store.executions.queueStats();
      const startedAt = Date.now();
      const queued = [execution(scope, p.id), execution(scope, p.id)];
      for (const e of [...queued, execution(scope, p.id, { status: 'SUCCESS' }), execution(scope, p.id, { status: 'BUILDING' })]) await ctx.store.executions.insert(e);

      const after = await ctx.store.executions.queueStats();
      assert.equal(after.queued - before.queued, 3, 'the PREPARING ones and the BUILDING one were never claimed');
      assert.equal((after.active.PREPARING ?? 0) - (before.active.PREPARING ?? 0), 2);
      assert.equal((after.active.BUILDING ?? 0) - (before.active.BUILDING ?? 0), 1);
      assert.equal(after.active.SUCCESS, undefined);
      assert.equal(typeof after.oldestQueuedAt, 'number');
      assert.ok((after.oldestQueuedAt as number) <= Math.min(Date.now(), before.oldestQueuedAt ?? startedAt + 1_000), 'the oldest is at most when these were queued');

      assert.ok(await ctx.store.executions.update(scope, queued[0]!.id, { status: 'CANCELLED', message: 'cancelled' }));
      const ended = await ctx.store.executions.queueStats();
      assert.equal(ended.queued - before.queued, 2);
      assert.equal((ended.active.PREPARING ?? 0) - (before.active.PREPARING ?? 0), 1);
    });
  });
}
