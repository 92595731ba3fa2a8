import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { freePort } from '../../support/child.js';

/*
 * A token endpoint (the Docker token authentication spec) for the registry's `auth.token`: it
 * checks Basic credentials and answers a JWT signed RS256 with the key of a certificate the test
 * made, the certificate in the header's `x5c`. The registry verifies the signature and claims
 * for real. Each request is recorded (its scopes) so tests can see what Kiln asked for.
 */

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** Each token request's scopes, in order. */
  requests: string[][];
  stop(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export async function startTokenServer(o: { certFile: string; keyFile: string; username: string; password: string }): Promise<TokenServer> {
  const key = createPrivateKey(readFileSync(o.keyFile));
  const cert = new X509Certificate(readFileSync(o.certFile)).raw.toString('base64');
  const service = 'kiln-test-registry';
  const issuer = 'kiln-test-issuer';
  const requests: string[][] = [];
  const expected = `Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}`;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const scopes = url.searchParams.getAll('scope');
    requests.push(scopes);
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const access = scopes.map((s) => {
      const [type, ...rest] = s.split(':');
      const actions = rest.pop()!.split(',');
      return { type, name: rest.join(':'), actions };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [cert] }));
    const claims = b64url(JSON.stringify({ iss: issuer, sub: o.username, aud: url.searchParams.get('service'), exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access }));
    const signature = b64url(sign('sha256', Buffer.from(`${header}.${claims}`), key));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${header}.${claims}.${signature}`, expires_in: 300 }));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
