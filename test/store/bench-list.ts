// Measures PipelineRepository.list() with 100,000 templates in one account+region (plus
// 20,000 in another scope and a small tenant of 100 created last): p50/p99 per call for
// common DescribeImagePipelines pages.
//
//   node --import tsx test/store/bench-list.ts            # SQLite (temp file)
//   node --import tsx test/store/bench-list.ts postgres://…  # PostgreSQL
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineFilter, Store } from '../../src/domain/ports.js';
import { createStore } from '../../src/store/create-store.js';
import { minimalPipeline, newScope } from './helpers.js';

const N = Number(process.env.BENCH_ROWS ?? 100_000);
const ITER = Number(process.env.BENCH_ITER ?? 300);

async function fill(store: Store, scope: { accountId: string; regionId: string }, n: number): Promise<void> {
  const batch = 1000;
  for (let i = 0; i < n; i += batch) {
    await store.transaction(async (tx) => {
      for (let j = i; j < Math.min(n, i + batch); j++) {
        await tx.pipelines.insert(minimalPipeline(scope, {
          name: `tpl-${j % 1000}`,
          resourceGroupId: `rg-${j % 4}`,
          buildContent: `RUN echo ${j}\nRUN apt-get update && apt-get install -y curl\n`,
          tags: j % 10 === 0 ? [{ key: 'env', value: j % 20 === 0 ? 'prod' : 'dev' }] : [],
        }), []);
      }
    });
  }
}

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `p50 ${q(0.5).toFixed(2)} ms  p99 ${q(0.99).toFixed(2)} ms  mean ${(s.reduce((a, b) => a + b, 0) / s.length).toFixed(2)} ms`;
}

async function main(): Promise<void> {
  const url = process.argv[2];
  const dir = await mkdtemp(join(tmpdir(), 'kiln-bench-'));
  const databaseUrl = url ?? `sqlite:${join(dir, 'kiln.db')}`;
  let store = await createStore({ databaseUrl, dataDir: dir });
  try {
    const scope = newScope();
    const t0 = performance.now();
    await fill(store, scope, N);
    await fill(store, newScope(), Math.floor(N / 5));
    const small = newScope();
    await fill(store, small, 100);
    console.log(`${url ? 'postgres' : 'sqlite'}: inserted ${N + Math.floor(N / 5) + 100} templates in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // Reopen, as a running server would be after its statistics upkeep (SQLite: `pragma
    // optimize` at open and every few minutes; PostgreSQL: autovacuum's ANALYZE, run here now).
    await store.close();
    if (url) {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('VACUUM ANALYZE');
      await client.end();
    }
    store = await createStore({ databaseUrl, dataDir: dir });

    const mid = (await store.pipelines.list({ ...scope }, { limit: N / 2 })).nextAfterSeq!;
    const cases: [string, PipelineFilter, { limit: number; afterSeq?: number }][] = [
      ['first page of 50', { ...scope }, { limit: 50 }],
      ['small tenant, first page', { ...small }, { limit: 50 }],
      ['page of 50 at the middle', { ...scope }, { limit: 50, afterSeq: mid }],
      ['page of 500 at the middle', { ...scope }, { limit: 500, afterSeq: mid }],
      ['name filter (100 matches)', { ...scope, name: 'tpl-7' }, { limit: 50 }],
      ['resource group (25%)', { ...scope, resourceGroupId: 'rg-1' }, { limit: 50, afterSeq: mid }],
      ['tag env=prod (5%)', { ...scope, tags: [{ key: 'env', value: 'prod' }] }, { limit: 50 }],
      ['tag env=* (10%) deep', { ...scope, tags: [{ key: 'env', value: '' }] }, { limit: 50, afterSeq: mid }],
    ];
    for (const [label, filter, page] of cases) {
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < ITER; i++) {
        const t = performance.now();
        const r = await store.pipelines.list(filter, page);
        times.push(performance.now() - t);
        total = r.totalCount;
      }
      console.log(`list ${label.padEnd(28)} totalCount ${String(total).padStart(6)}  ${stats(times)}`);
    }
    const times: number[] = [];
    for (let i = 0; i < ITER; i++) {
      const t = performance.now();
      await store.pipelines.count(scope);
      times.push(performance.now() - t);
    }
    console.log(`count(scope)${' '.repeat(40)}${stats(times)}`);
    const tagTimes: number[] = [];
    for (let i = 0; i < ITER; i++) {
      const t = performance.now();
      await store.tags.list(scope, 'imagepipeline', {}, { limit: 50 });
      tagTimes.push(performance.now() - t);
    }
    console.log(`tags.list first page of 50${' '.repeat(26)}${stats(tagTimes)}`);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
