import { ERROR_REGISTRY, errorSpec } from '../../domain/errors/registry.js';
import type { Fault } from '../../domain/errors.js';

/**
 * THE place an answer's HTTP status is decided. The status of each code is data in the error
 * registry (`domain/errors/registry.ts`): the documented status for every documented code of
 * the Image Builder and image operations (reference §2.1–2.9; exceptions to the rules below
 * included, e.g. `InvalidSourceInstance.NotFound` 400, `MissingParameter.RepairMode` 404), the
 * observed or inferred gateway statuses for protocol codes (§5.4, §5.7), for the web console's
 * routes the web's statuses (401 sign in, 403 CSRF refused, 429 sign-in throttled: a browser reads
 * them, not an ECS SDK), and for Kiln's other codes the status of the rules. This module only reads it.
 */

/** Code → status, for every registered code (families such as `MissingParameter.*` excluded: see `httpStatusFor`). */
export const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(
  Object.entries(ERROR_REGISTRY as Readonly<Record<string, { status: number }>>)
    .filter(([code]) => !code.endsWith('.*'))
    .map(([code, spec]) => [code, spec.status]),
));

/**
 * The HTTP status for an error code: the registry's (its own entry, else its family's, so
 * `MissingParameter.<Name>` is 400). A code Kiln does not register (one a caller of the
 * encoder made up) follows the gateway's rules: 404 for a `.NotFound` suffix, 403 for a
 * `Forbidden.` prefix, else 400 for client faults and 500 for server faults.
 */
export function httpStatusFor(code: string, fault: Fault): number {
  const spec = errorSpec(code);
  if (spec) return spec.status;
  if (code.endsWith('.NotFound')) return 404;
  if (code.startsWith('Forbidden.')) return 403;
  return fault === 'server' ? 500 : 400;
}
