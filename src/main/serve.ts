import type { FastifyInstance } from 'fastify';
import { createServer } from '../api/server.js';
import type { KilnConfig } from '../config/config.js';
import type { App } from '../app/app.js';
import type { DefaultCredentials } from '../auth/default-account.js';
import { boot } from './boot.js';
import { startWorkers } from './workers.js';

export interface Running {
  app: App;
  server: FastifyInstance;
  credentials: DefaultCredentials;
  /** `http://host:port` actually bound (port 0 picks a free one). */
  endpoint: string;
  stop(): Promise<void>;
}

/** The all-in-one composition root: store, app and API server in one process. */
export async function serve(config: KilnConfig): Promise<Running> {
  const { app, credentials } = await boot(config);
  const server = await createServer(app);
  await server.listen({ host: config.host, port: config.port });
  const workers = startWorkers(app, config.workers, (msg, err) => server.log.error({ err }, msg), credentials.accountId);
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    app,
    server,
    credentials,
    endpoint: `http://${host}:${port}`,
    async stop() {
      await workers.stop();
      await server.close();
      await app.store.close();
    },
  };
}
