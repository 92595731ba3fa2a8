import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { v3Authorization, v3PayloadHash } from '../api/rpc/signature-v3.js';

const ALGORITHM = 'ACS3-HMAC-SHA256';

/**
 * A GET to Kiln's own endpoints, V3-signed with an AccessKey as the official SDK signs ECS
 * calls. Resolves with the response (its body is a stream the caller reads).
 */
export function signedGet(endpoint: string, path: string, query: Record<string, string>, key: { id: string; secret: string }): Promise<IncomingMessage> {
  const url = new URL(path, endpoint);
  const pairs = Object.entries(query);
  for (const [k, v] of pairs) url.searchParams.set(k, v);
  const headers: Record<string, string> = {
    host: url.host,
    'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': randomBytes(16).toString('hex'),
    'x-acs-content-sha256': v3PayloadHash(ALGORITHM, Buffer.alloc(0)),
  };
  const signedHeaders = Object.keys(headers).sort();
  headers.authorization = v3Authorization(ALGORITHM, key.id, key.secret, {
    method: 'GET', path: url.pathname, query: pairs, headers, signedHeaders, hashedPayload: headers['x-acs-content-sha256']!,
  });
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers }, resolve);
    req.on('error', reject);
    req.end();
  });
}
