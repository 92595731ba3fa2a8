import type { App } from '../../app/app.js';
import { ConsoleSessions } from '../../app/console-sessions.js';
import { AccessKeyCache } from '../rpc/access-key-cache.js';
import { constantTimeEqual } from '../rpc/constant-time.js';

const BY_APP = new WeakMap<App, ConsoleSessions>();

/**
 * The console sessions of an app: one per app (so per server process), shared by the session
 * routes and every session-authenticated route, with one sign-in throttle. AccessKeys are read
 * through the RPC path's cache (a disabled key ends its sessions within its 500 ms TTL).
 */
export function consoleSessionsOf(app: App): ConsoleSessions {
  let sessions = BY_APP.get(app);
  if (sessions === undefined) {
    const keys = new AccessKeyCache((id) => app.store.accessKeys.get(id));
    sessions = new ConsoleSessions({
      sessions: app.store.consoleSessions,
      findAccessKey: (id) => keys.get(id),
      secretsEqual: constantTimeEqual,
      idleTimeoutSeconds: app.config.consoleIdleTimeoutSeconds,
      maxLifetimeSeconds: app.config.consoleSessionMaxSeconds,
    });
    BY_APP.set(app, sessions);
  }
  return sessions;
}
