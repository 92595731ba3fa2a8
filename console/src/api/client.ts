import { request } from './http';
import type { ActionName, ParamsOf } from './operations.generated';
import type { ResponseOf } from './responses';

/**
 * Calls an ECS operation through the console's one session-authenticated route
 * (`POST /console/api/call`): the server runs the same operation the RPC endpoint runs, with
 * the same parameter checks and error codes. Parameters are the flat wire names
 * (`ImageOptions.ImageName`, `Tag.1.Key`); their names and types are generated from the
 * server's operation specs, so a misspelt parameter does not compile.
 */
export function call<A extends ActionName>(action: A, params: ParamsOf<A>, signal?: AbortSignal): Promise<ResponseOf<A>> {
  const wire: Record<string, string> = {};
  for (const [k, v] of Object.entries(params as Record<string, unknown>)) {
    if (v === undefined || v === null || v === '') continue;
    wire[k] = String(v);
  }
  return request<ResponseOf<A>>('POST', '/call', { Action: action, Parameters: wire }, signal);
}
