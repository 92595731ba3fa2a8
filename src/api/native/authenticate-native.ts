import type { FastifyRequest } from 'fastify';
import type { App } from '../../app/app.js';
import { authenticate, type Principal } from '../rpc/authenticate.js';
import { decodeRequest } from '../rpc/decode.js';
import type { NonceRegistry } from '../rpc/nonce-registry.js';
import { incompleteSignature } from '../rpc/protocol-errors.js';
import { headerValue } from '../rpc/raw-request.js';
import { isV3Authorization } from '../rpc/signature-v3.js';
import { rawRequestOf } from '../raw-request-of.js';

/**
 * How one of Kiln's own read routes finds its caller: by the request's signature
 * (`nativeAuthenticator`, under `/kiln/v1/`) or by the console's session (`/console/api/`).
 * Throws a `KilnError` when it cannot. `stillAllowed`, when given (a session), tells whether
 * the caller may still read: a long-lived answer (a followed log stream) asks it as it goes.
 */
export type RouteAuthenticator = (req: FastifyRequest) => Promise<{ accountId: string; stillAllowed?: () => Promise<boolean> }>;

/**
 * Kiln's own endpoints are signed like the ECS API (V3 `ACS3-HMAC-SHA256` over the method,
 * path, query and `x-acs-*` headers), so the same AccessKeys reach them and nothing else does.
 * V3 only: a V1 signature does not cover the path, and the path names what is read (an
 * execution id), so a V1 request signed for `/` could otherwise be sent to any path.
 */
export function nativeAuthenticator(app: App, nonces: NonceRegistry): (req: FastifyRequest) => Promise<Principal & { stillAllowed: () => Promise<boolean> }> {
  return async (req) => {
    const raw = rawRequestOf(req);
    const decoded = decodeRequest(raw);
    if (decoded.params.Signature !== undefined && !isV3Authorization(headerValue(raw.headers, 'authorization'))) {
      throw incompleteSignature("Kiln's own endpoints take ACS3-HMAC-SHA256 signatures only (a V1 signature does not cover the path).");
    }
    const principal = await authenticate({ ...decoded, raw }, {
      findAccessKey: (id) => app.store.accessKeys.get(id),
      nonces,
      now: () => new Date(),
    });
    // A signature is checked once; a long-lived answer (a followed log stream) asks whether its key is still Active.
    const stillAllowed = async () => (await app.store.accessKeys.get(principal.accessKeyId))?.status === 'Active';
    return { ...principal, stillAllowed };
  };
}
