import type { FastifyInstance } from 'fastify';
import type { App } from '../../app/app.js';
import { type ConsoleCallReporting, registerConsoleApi } from './api-routes.js';
import { createConsoleSessions } from './create-console-sessions.js';
import { consoleAuthenticator } from './session-auth.js';
import { registerSessionRoutes } from './session-routes.js';
import { registerConsoleStatic, type ConsoleStaticOptions } from './static-files.js';

/** What the console's routes need besides the app. */
export interface ConsoleRoutesDeps {
  /** Where the built console is (see `static-files.ts`). */
  static?: ConsoleStaticOptions;
  /** How console calls are counted and logged: the RPC endpoint's reporting, so `/metrics` and the log see both alike. */
  reporting?: ConsoleCallReporting;
}

/**
 * The web console under `/console` (docs/api-notes/console.md): the session routes, the
 * session-authenticated API (`/console/api/…`) and the built files.
 */
export function registerConsoleRoutes(server: FastifyInstance, app: App, deps: ConsoleRoutesDeps = {}): void {
  const sessions = createConsoleSessions(app);
  registerSessionRoutes(server, app, sessions);
  registerConsoleApi(server, app, consoleAuthenticator(sessions), deps.reporting);
  registerConsoleStatic(server, deps.static ?? {});
}
