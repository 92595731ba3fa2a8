import RPCClient from '@alicloud/pop-core';
import type { KilnConfig } from '../config/config.js';
import { parseCommand, UsageError } from './args.js';
import { cliCredentials, cliEndpoint } from './credentials.js';

/**
 * `kiln call <Action> [Name=value …]`: calls a running Kiln with the official pop-core client,
 * signed with the default account's key (or KILN_ACCESS_KEY_ID/SECRET). Prints the JSON answer.
 */
export async function call(config: KilnConfig, args: string[]): Promise<number> {
  const usage = 'usage: kiln call <Action> [Name=value ...]';
  // No flags: a `-x` is a mistake, not a parameter (parameters are Name=value).
  const [action, ...pairs] = parseCommand('call', usage, args, {}, Number.POSITIVE_INFINITY).positionals;
  if (!action) throw new UsageError('kiln call: which Action?', usage);
  const key = cliCredentials(config);
  if (!key) return 2;
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`kiln call: not a Name=value pair: ${pair}`, usage);
    params[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (!params.RegionId && action !== 'DescribeRegions') params.RegionId = config.regions[0]!.regionId;
  const client = new RPCClient({ accessKeyId: key.id, accessKeySecret: key.secret, endpoint: cliEndpoint(config), apiVersion: '2014-05-26' });
  try {
    const result = await client.request(action, params, { method: 'POST', formatParams: false });
    console.log(JSON.stringify(result, null, 2));
    return 0;
  } catch (err) {
    const e = err as { code?: string; message?: string; data?: unknown };
    console.error(JSON.stringify(e.data ?? { Code: e.code, Message: e.message }, null, 2));
    return 1;
  }
}
