import { createApp } from '../../app/app.js';
import type { KilnConfig } from '../../config/config.js';
import { createStore } from '../../store/create-store.js';
import { blobStoreOf } from '../blob-store.js';
import { listenApi } from '../serve.js';
import { imageLayerReader } from '../image-layer-reader.js';
import { isDrainMessage, type QueuedMessage } from './messages.js';

/** A drain still waiting for requests after this long closes their connections (a followed log stream lasts as long as its build). */
const DRAIN_TIMEOUT_MS = 20_000;

function tell(message: QueuedMessage): void {
  // The channel is gone only when the primary is: then this process is exiting anyway.
  if (process.connected) process.send?.(message);
}

/**
 * One API child of `kiln serve --api-processes N` (a node:cluster worker): the store (its
 * migrations were applied by the primary before it forked) and the API server on the shared
 * port; no build or task worker. A Start or a task queued here is told to the primary, whose
 * workers claim it at once. SIGINT/SIGTERM are the primary's to act on (a terminal or systemd
 * signals the whole group): the child drains when the primary says so, and exits when the
 * primary is gone (node:cluster ends a worker whose channel closes).
 */
export async function runApiChild(config: KilnConfig): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {});
  const store = await createStore({ dataDir: config.dataDir, ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}) });
  const app = createApp(store, config, { imageLayers: imageLayerReader(blobStoreOf(config)) });
  app.executionQueued.add(() => tell({ kiln: 'queued', job: 'execution' }));
  app.taskQueued.add(() => tell({ kiln: 'queued', job: 'task' }));
  let api: Awaited<ReturnType<typeof listenApi>>;
  try {
    api = await listenApi(app, store, config);
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  let draining = false;
  process.on('message', (message: unknown) => {
    if (!isDrainMessage(message) || draining) return;
    draining = true;
    const force = setTimeout(() => api.server.server.closeAllConnections(), DRAIN_TIMEOUT_MS);
    force.unref();
    api.drain()
      .then(() => store.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          api.server.log.error({ err }, 'draining failed');
          process.exit(1);
        },
      );
  });
}
