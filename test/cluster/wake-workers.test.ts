import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { boot } from '../../src/main/boot.js';
import { ApiChildren } from '../../src/main/cluster/api-children.js';
import { clientAt, startExecution } from '../support/builds.js';
import { freePort, REPO_ROOT } from '../support/child.js';
import { createPipeline } from '../support/ecs-requests.js';

/*
 * This test process is the primary (as `kiln serve`'s is): it opens the store and forks two
 * real API children with ApiChildren. A StartImagePipelineExecution answered by a child reaches
 * the primary as an IPC message at once, which is what wakes the primary's idle workers (it
 * calls the same hooks as a Start in the primary's own process would).
 */

const dataDir = mkdtempSync(join(tmpdir(), 'kiln-wake-'));
let children: ApiChildren | undefined;
after(async () => {
  await children?.drain();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a Start handled by an API child is told to the primary over IPC; drain ends the children', async () => {
  const port = await freePort();
  const env = { KILN_DATA_DIR: dataDir, KILN_PORT: String(port), KILN_HOST: '127.0.0.1', KILN_WORKERS: '0' };
  const { app, credentials } = await boot(loadConfig(env));
  await app.store.close();
  Object.assign(process.env, env);
  cluster.setupPrimary({ exec: join(REPO_ROOT, 'test', 'cluster', 'support', 'api-child-entry.ts'), execArgv: ['--import', 'tsx'] });

  const queued: string[] = [];
  let wake: () => void = () => {};
  const woken = new Promise<void>((resolve) => (wake = resolve));
  children = new ApiChildren({ count: 2, log: () => {}, onQueued: (job) => {
    queued.push(job);
    wake();
  } });
  assert.equal(await children.start(), port);
  const pids = children.pids;
  assert.equal(pids.length, 2);

  const client = clientAt(`http://127.0.0.1:${port}`, credentials);
  await startExecution(client, await createPipeline(client));
  await woken;
  assert.deepEqual(queued, ['execution']);

  await children.drain();
  assert.deepEqual(children.pids, []);
});
