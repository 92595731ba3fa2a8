import RPCClient from '@alicloud/pop-core';
import type { KilnConfig } from '../config/config.js';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `kiln call <Action> [Name=value …]`: calls a running Kiln with the official pop-core client,
 * signed with the default account's key (or KILN_ACCESS_KEY_ID/SECRET). Prints the JSON answer.
 */
export async function call(config: KilnConfig, args: string[]): Promise<number> {
  const [action, ...pairs] = args;
  if (!action) {
    console.error('usage: kiln call <Action> [Name=value ...]');
    return 2;
  }
  const credsPath = join(config.dataDir, 'default-credentials.json');
  const saved = existsSync(credsPath) ? JSON.parse(readFileSync(credsPath, 'utf8')) as { accessKeyId: string; accessKeySecret: string } : undefined;
  if (Boolean(config.accessKeyId) !== Boolean(config.accessKeySecret)) {
    console.error('set both KILN_ACCESS_KEY_ID and KILN_ACCESS_KEY_SECRET, or neither');
    return 2;
  }
  // The configured pair, else the saved one: never an id from one and a secret from the other.
  const accessKeyId = config.accessKeyId ?? saved?.accessKeyId;
  const accessKeySecret = config.accessKeyId ? config.accessKeySecret : saved?.accessKeySecret;
  if (!accessKeyId || !accessKeySecret) {
    console.error(`no credentials: start Kiln once (it writes ${credsPath}) or set KILN_ACCESS_KEY_ID and KILN_ACCESS_KEY_SECRET`);
    return 2;
  }
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      console.error(`not a Name=value pair: ${pair}`);
      return 2;
    }
    params[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (!params.RegionId && action !== 'DescribeRegions') params.RegionId = config.regions[0]!.regionId;
  // A wildcard listen address is reached through loopback; an IPv6 literal needs brackets.
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const client = new RPCClient({ accessKeyId, accessKeySecret, endpoint: `http://${hostPart}:${config.port}`, apiVersion: '2014-05-26' });
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
