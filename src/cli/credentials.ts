import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KilnConfig } from '../config/config.js';

/**
 * The AccessKey the CLI signs with: KILN_ACCESS_KEY_ID/SECRET when set (both or neither),
 * else the default account's key saved in the data dir. Prints why and returns undefined
 * when there is none.
 */
export function cliCredentials(config: KilnConfig): { id: string; secret: string } | undefined {
  const credsPath = join(config.dataDir, 'default-credentials.json');
  const saved = existsSync(credsPath) ? JSON.parse(readFileSync(credsPath, 'utf8')) as { accessKeyId: string; accessKeySecret: string } : undefined;
  if (Boolean(config.accessKeyId) !== Boolean(config.accessKeySecret)) {
    console.error('set both KILN_ACCESS_KEY_ID and KILN_ACCESS_KEY_SECRET, or neither');
    return undefined;
  }
  // The configured pair, else the saved one: never an id from one and a secret from the other.
  const id = config.accessKeyId ?? saved?.accessKeyId;
  const secret = config.accessKeyId ? config.accessKeySecret : saved?.accessKeySecret;
  if (!id || !secret) {
    console.error(`no credentials: start Kiln once (it writes ${credsPath}) or set KILN_ACCESS_KEY_ID and KILN_ACCESS_KEY_SECRET`);
    return undefined;
  }
  return { id, secret };
}

/** Where a running Kiln is reached: a wildcard listen address through loopback, IPv6 in brackets. */
export function cliEndpoint(config: KilnConfig): string {
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return `http://${hostPart}:${config.port}`;
}
