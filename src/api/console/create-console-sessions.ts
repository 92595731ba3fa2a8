import type { App } from '../../app/app.js';
import { ConsoleSessions } from '../../app/console-sessions.js';
import { AccessKeyCache } from '../rpc/access-key-cache.js';
import { constantTimeEqual } from '../rpc/constant-time.js';

/**
 * The console sessions of a server: made once by `registerConsoleRoutes` and handed to the
 * session routes and every session-authenticated route, so they share one sign-in throttle.
 * AccessKeys are read through the RPC path's cache (a disabled key ends its sessions within its
 * 500 ms TTL).
 */
export function createConsoleSessions(app: App): ConsoleSessions {
  const keys = new AccessKeyCache((id) => app.store.accessKeys.get(id));
  return new ConsoleSessions({
    sessions: app.store.consoleSessions,
    findAccessKey: (id) => keys.get(id),
    secretsEqual: constantTimeEqual,
    idleTimeoutSeconds: app.config.consoleIdleTimeoutSeconds,
    maxLifetimeSeconds: app.config.consoleSessionMaxSeconds,
  });
}
