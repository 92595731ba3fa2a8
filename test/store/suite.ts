import { after, before, describe } from 'node:test';
import type { Store } from '../../src/domain/ports.js';
import { createStore } from '../../src/store/create-store.js';
import type { Backend, SuiteContext } from './helpers.js';
import { componentTests } from './suite-components.js';
import { consoleSessionTests } from './suite-console-sessions.js';
import { executionTests } from './suite-executions.js';
import { imageTests } from './suite-images.js';
import { imageUpdateTests } from './suite-image-updates.js';
import { nonceTests } from './suite-nonces.js';
import { pipelineTests } from './suite-pipelines.js';
import { queueStatsTests } from './suite-queue-stats.js';
import { stepCacheTests } from './suite-step-cache.js';
import { tagTests } from './suite-tags.js';
import { tenancyTests } from './suite-tenancy.js';
import { transactionTests } from './suite-transactions.js';

/**
 * The store suite: the same tests for every backend. `makeBackend` provides a fresh database
 * for the run; it is disposed of after the last test.
 */
export function storeSuite(name: string, makeBackend: () => Promise<Backend>): void {
  describe(`store on ${name}`, () => {
    let backend: Backend | undefined;
    let store: Store | undefined;
    const extra: Store[] = [];

    const ctx: SuiteContext = {
      get backend() {
        if (!backend) throw new Error('backend not ready');
        return backend;
      },
      get store() {
        if (!store) throw new Error('store not ready');
        return store;
      },
      async open() {
        const s = await createStore({ databaseUrl: ctx.backend.url, dataDir: ctx.backend.dataDir });
        extra.push(s);
        return s;
      },
    };

    before(async () => {
      backend = await makeBackend();
      store = await createStore({ databaseUrl: backend.url, dataDir: backend.dataDir });
    });

    after(async () => {
      for (const s of extra) await s.close().catch(() => {});
      await store?.close();
      await backend?.dispose();
    });

    tenancyTests(ctx);
    pipelineTests(ctx);
    componentTests(ctx);
    tagTests(ctx);
    transactionTests(ctx);
    executionTests(ctx);
    queueStatsTests(ctx);
    imageTests(ctx);
    imageUpdateTests(ctx);
    stepCacheTests(ctx);
    nonceTests(ctx);
    consoleSessionTests(ctx);
  });
}
