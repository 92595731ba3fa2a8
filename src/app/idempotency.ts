import { createHash } from 'node:crypto';
import { fault } from '../domain/errors.js';
import { isStoreError } from '../domain/errors/store-error.js';
import type { Repositories, Store } from '../domain/ports.js';

/** Canonical JSON (sorted keys, undefined dropped) so equal requests digest equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function digestRequest(request: unknown): string {
  return createHash('sha256').update(canonical(request)).digest('hex');
}

const CLIENT_TOKEN = /^[\x20-\x7e]{1,64}$/;

/**
 * Runs a create under a ClientToken, in one transaction with the create itself:
 * the same token with the same request returns the first answer and creates nothing;
 * the same token with another request is `IdempotentParameterMismatch`.
 * `request` is the decoded operation input (signature fields are not part of it, so retries
 * with a new nonce and timestamp match).
 */
export async function idempotent<R extends object>(
  store: Store,
  scope: { accountId: string; action: string },
  clientToken: string | undefined,
  request: unknown,
  work: (tx: Repositories) => Promise<R>,
): Promise<R> {
  if (clientToken === undefined) return store.transaction(work);
  if (!CLIENT_TOKEN.test(clientToken)) {
    throw fault('InvalidParameter.ClientToken');
  }
  const paramsDigest = digestRequest(request);
  const attempt = () => store.transaction(async (tx) => {
    const seen = await tx.idempotency.get(scope.accountId, scope.action, clientToken);
    if (seen) {
      if (seen.paramsDigest !== paramsDigest) {
        throw fault('IdempotentParameterMismatch');
      }
      return JSON.parse(seen.response) as R;
    }
    const result = await work(tx);
    await tx.idempotency.put(scope.accountId, scope.action, clientToken, { paramsDigest, response: JSON.stringify(result) });
    return result;
  });
  try {
    return await attempt();
  } catch (err) {
    // Two first uses of one token raced and the other committed first: answer as a retry would.
    if (isStoreError(err, 'Store.IdempotencyConflict')) return attempt();
    throw err;
  }
}
