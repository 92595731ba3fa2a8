import { createServer, type IncomingMessage } from 'node:http';
import EcsModule from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { sendRaw, type RawResponse } from '../../support/wire.js';

/*
 * Requests exactly as an official client signs them, kept to be sent (again, or altered) later:
 * what a replaying or tampering party on the path would hold. The client talks to a recorder
 * on loopback, which keeps the request and answers with an error, so nothing reaches Kiln
 * until the test sends it.
 */

const Ecs = EcsModule.default;
export type EcsClient = InstanceType<typeof Ecs>;

/** One request as it came off the wire. */
export interface CapturedRequest {
  method: string;
  /** Request target, e.g. `/?Action=…`. */
  path: string;
  /** Header values by lower-case name (the `host` a V3 signature covers included). */
  headers: Record<string, string>;
  body: string;
}

/** The official ECS SDK (`@alicloud/ecs20140526`): `v3` signs ACS3-HMAC-SHA256, `v1` HMAC-SHA1 over the query. */
export function ecsClient(hostPort: string, creds: { accessKeyId: string; accessKeySecret: string }, dialect: 'v3' | 'v1'): EcsClient {
  return new Ecs(new $OpenApiUtil.Config({
    ...creds,
    regionId: 'cn-hangzhou',
    endpoint: hostPort,
    protocol: 'http',
    ...(dialect === 'v1' ? { signatureAlgorithm: 'v2' } : {}),
  }));
}

/**
 * Runs `call` with a client of the given dialect pointed at a recorder and returns the one
 * request it sent (the call itself fails: the recorder answers an error).
 */
export async function captureSdkRequest(
  creds: { accessKeyId: string; accessKeySecret: string },
  dialect: 'v3' | 'v1',
  call: (client: EcsClient) => Promise<unknown>,
): Promise<CapturedRequest> {
  const captured: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      captured.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers, body });
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ Code: 'Captured', Message: 'held by the test', RequestId: '00000000-0000-0000-0000-000000000000' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    await call(ecsClient(`127.0.0.1:${port}`, creds, dialect)).then(
      () => { throw new Error('the recorder answered an error; the call cannot have succeeded'); },
      (err: { code?: string }) => { if (err.code !== 'Captured') throw err; },
    );
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (captured.length !== 1) throw new Error(`the client sent ${captured.length} requests, expected 1`);
  return captured[0]!;
}

/** Sends a captured request (possibly altered) to a Kiln, byte for byte, with the headers as captured. */
export function sendCaptured(endpoint: string, r: CapturedRequest): Promise<RawResponse> {
  const { connection: _c, 'content-length': _l, ...headers } = r.headers;
  return sendRaw(endpoint, { method: r.method, path: r.path, headers, body: r.body });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
