import type { FastifyRequest } from 'fastify';
import type { App } from '../../app/app.js';
import { authenticate, type Principal } from '../rpc/authenticate.js';
import { decodeRequest } from '../rpc/decode.js';
import type { NonceRegistry } from '../rpc/nonce-registry.js';
import { rawRequestOf } from '../raw-request-of.js';

/**
 * Kiln's own endpoints are signed like the ECS API (V3 `ACS3-HMAC-SHA256` over the method,
 * path, query and `x-acs-*` headers), so the same AccessKeys reach them and nothing else does.
 */
export function nativeAuthenticator(app: App, nonces: NonceRegistry): (req: FastifyRequest) => Promise<Principal> {
  return async (req) => {
    const raw = rawRequestOf(req);
    const decoded = decodeRequest(raw);
    return authenticate({ ...decoded, raw }, {
      findAccessKey: (id) => app.store.accessKeys.get(id),
      nonces,
      now: () => new Date(),
    });
  };
}
