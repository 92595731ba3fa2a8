import { fault, missingParameter } from '../domain/errors.js';
import { API_VERSION } from './operations/registry.js';
import { AccessKeyCache } from './rpc/access-key-cache.js';
import { answerOperation, type AnswerDeps, type RpcResponse } from './rpc/answer-operation.js';
import { authenticate } from './rpc/authenticate.js';
import { decodeRequest } from './rpc/decode.js';
import type { NonceRegistry } from './rpc/nonce-registry.js';
import type { RawRequest } from './rpc/raw-request.js';

export { PASSED_SERVER_FAULTS, type RpcResponse } from './rpc/answer-operation.js';

export interface RpcHandlerDeps extends AnswerDeps {
  nonces: NonceRegistry;
  now?: () => Date;
}

/**
 * The ECS RPC endpoint: decode → route (Action, Version) → authenticate (V1 or V3 signature)
 * → operation → encode. Routing, invoking, encoding and the mapping of failures to documented
 * error bodies are `answerOperation`'s, shared with the console's call route; what is this
 * endpoint's own is reading the wire request, the `Version` check and the signature.
 */
export function createRpcHandler(deps: RpcHandlerDeps): (raw: RawRequest) => Promise<RpcResponse> {
  const now = deps.now ?? (() => new Date());
  // Keys are read at most every 5 s per key: a status change takes that long to apply.
  const accessKeys = new AccessKeyCache((id) => deps.app.store.accessKeys.get(id));
  const findAccessKey = (id: string) => accessKeys.get(id);

  return (raw) => answerOperation(deps, async () => {
    const decoded = decodeRequest(raw);
    return {
      format: decoded.format,
      action: decoded.action,
      params: decoded.params,
      checkProtocol() {
        if (decoded.version === undefined || decoded.version === '') throw missingParameter('Version');
        if (decoded.version !== API_VERSION) throw fault('InvalidVersion');
      },
      authenticate: async () => (await authenticate({ ...decoded, raw }, { findAccessKey, nonces: deps.nonces, now })).accountId,
    };
  });
}
