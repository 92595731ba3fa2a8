import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { RegistryClient } from '../../src/distribution/client.js';
import { RegistryError } from '../../src/distribution/errors.js';
import { blobStream, fetchImage } from '../../src/distribution/pull.js';
import { parseReference } from '../../src/distribution/reference.js';
import { TokenSource } from '../../src/distribution/token.js';
import { startUpload, uploadChunks } from '../../src/distribution/upload.js';
import { freePort } from '../support/child.js';

/*
 * What a hostile (or broken) registry can send, against the distribution client: a loopback
 * HTTP server in the test answers each path as the case wants. A real registry never sends
 * these, so this is the one place the registry is a stand-in.
 */

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const routes = new Map<string, Handler>();
let server: Server;
let host: string;

before(async () => {
  const port = await freePort();
  server = createServer((req, res) => {
    const route = routes.get(`${req.method} ${req.url}`) ?? routes.get(`* ${req.url}`);
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  host = `127.0.0.1:${port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const client = () => new RegistryClient({ registry: host, insecure: true, retryDelayMs: 1 });
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const OCI = 'application/vnd.oci.image.manifest.v1+json';
const config = json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
const configDesc = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length };

function serveManifest(repo: string, ref: string, body: Buffer, headers: Record<string, string> = {}): void {
  routes.set(`GET /v2/${repo}/manifests/${ref}`, (_q, res) => res.writeHead(200, { 'content-type': OCI, ...headers }).end(body));
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof RegistryError, `a RegistryError, got ${String(err)}`);
  return err.message;
}

describe('a hostile registry is refused, with bounded reads', () => {
  test('a manifest over 4 MiB (sent without Content-Length) is refused once 4 MiB are read', async () => {
    let sent = 0;
    routes.set(`GET /v2/big/manifests/1`, (_q, res) => {
      res.writeHead(200, { 'content-type': OCI });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const more = () => {
        while (sent < 64 && res.write(chunk)) sent++;
        if (sent < 64) res.once('drain', more);
        else res.end();
      };
      more();
    });
    assert.match(await refusal(fetchImage(client(), parseReference(`${host}/big:1`))), /the manifest is larger than the 4194304 bytes Kiln reads/);
    assert.ok(sent < 64, 'the client stopped reading');
  });

  test('a manifest that does not hash to the digest asked for, or to the registry\'s Docker-Content-Digest', async () => {
    const manifest = json({ schemaVersion: 2, mediaType: OCI, config: configDesc, layers: [] });
    const other = sha('something else');
    serveManifest('liar', other, manifest);
    assert.match(await refusal(fetchImage(client(), parseReference(`${host}/liar@${other}`))), /sent a manifest whose digest is sha256:/);
    serveManifest('liar', 'tag', manifest, { 'docker-content-digest': other });
    assert.match(await refusal(fetchImage(client(), parseReference(`${host}/liar:tag`))), /the registry says sha256:/);
  });

  test('an index without linux/amd64, a zstd layer, a config that is not one: refused by name', async () => {
    const arm = json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: OCI, digest: sha('x'), size: 1, platform: { os: 'linux', architecture: 'arm64' } }] });
    serveManifest('arm', '1', arm);
    assert.match(await refusal(fetchImage(client(), parseReference(`${host}/arm:1`))), /has no linux\/amd64 image/);
    const zstd = json({ schemaVersion: 2, mediaType: OCI, config: configDesc, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: sha('l'), size: 1 }] });
    serveManifest('zstd', '1', zstd);
    assert.match(await refusal(fetchImage(client(), parseReference(`${host}/zstd:1`))), /tar\+zstd.*which Kiln does not unpack/);
    const notConfig = json({ schemaVersion: 2, mediaType: OCI, config: { ...configDesc, mediaType: 'application/x-evil' }, layers: [] });
    serveManifest('cfg', '1', notConfig);
    assert.match(await refusal(fetchImage(client(), parseReference(`${host}/cfg:1`))), /is not an image config/);
  });

  test('a blob longer than its descriptor is cut off at the descriptor\'s size; a shorter one is refused', async () => {
    const body = Buffer.alloc(10 * 1024 * 1024, 1);
    let written = 0;
    routes.set(`GET /v2/long/blobs/${sha('abc')}`, (_q, res) => {
      res.writeHead(200);
      const more = () => {
        while (written < body.length && res.write(body.subarray(written, written + 65536))) written += 65536;
        if (written < body.length) res.once('drain', () => { written += 65536; more(); });
        else res.end();
      };
      more();
    });
    const seen: number[] = [];
    const read = (async () => { for await (const c of blobStream(client(), 'long', { mediaType: 'x', digest: sha('abc'), size: 3 })) seen.push(c.byteLength); })();
    assert.match(await refusal(read), /is larger than its 3 bytes/);
    assert.deepEqual(seen, [], 'nothing of the bad blob was handed on');
    routes.set(`GET /v2/short/blobs/${sha('abc')}`, (_q, res) => res.writeHead(200).end('ab'));
    const short = (async () => { for await (const _ of blobStream(client(), 'short', { mediaType: 'x', digest: sha('abc'), size: 3 })) { /* read */ } })();
    assert.match(await refusal(short), /has 2 bytes, its descriptor says 3/);
  });

  test('a GET or the start of an upload that fails with 503 is tried again; a PATCH of a chunk is not', async () => {
    let gets = 0;
    const manifest = json({ schemaVersion: 2, mediaType: OCI, config: configDesc, layers: [] });
    routes.set(`GET /v2/flaky/manifests/1`, (_q, res) => {
      gets++;
      if (gets < 3) res.writeHead(503).end();
      else res.writeHead(200, { 'content-type': OCI }).end(manifest);
    });
    routes.set(`GET /v2/flaky/blobs/${configDesc.digest}`, (_q, res) => res.writeHead(200).end(config));
    const image = await fetchImage(client(), parseReference(`${host}/flaky:1`));
    assert.equal(image.manifestDigest, sha(manifest));
    assert.equal(gets, 3);
    let posts = 0;
    routes.set(`POST /v2/flaky/blobs/uploads/`, (_q, res) => { posts++; res.writeHead(503).end(); });
    assert.match(await refusal(startUpload(client(), 'flaky', sha('z'))), new RegExp(`${host}/flaky: POST /v2/flaky/blobs/uploads/: the registry failed \\(503\\)`));
    assert.equal(posts, 3, 'starting an upload session is safe to repeat');
    let patches = 0;
    routes.set(`PATCH /v2/flaky/blobs/uploads/u1`, (_q, res) => { patches++; res.writeHead(503).end(); });
    const blob = { digest: sha('chunk'), size: 5, open: async () => [Buffer.from('chunk')] };
    assert.match(await refusal(uploadChunks(client(), 'flaky', '/v2/flaky/blobs/uploads/u1', blob, 1024, () => undefined)), /PATCH .*\(503\)/);
    assert.equal(patches, 1, 'a chunk is not sent twice into the same session');
  });

  test('an upload location on another origin, an unknown auth scheme, a plain-HTTP token realm without --insecure', async () => {
    routes.set(`POST /v2/away/blobs/uploads/`, (_q, res) => res.writeHead(202, { location: 'http://192.0.2.1/upload' }).end());
    const away = client();
    const location = await startUpload(away, 'away', sha('a'));
    assert.throws(() => away.url(location), /sent a location on another origin/);
    routes.set(`GET /v2/`, (_q, res) => res.writeHead(401, { 'www-authenticate': 'Negotiate' }).end());
    routes.set(`GET /v2/odd/manifests/1`, (_q, res) => res.writeHead(401, { 'www-authenticate': 'Negotiate' }).end());
    assert.match(await refusal(fetchImage(client(), parseReference(`${host}/odd:1`))), /an authentication scheme Kiln does not speak/);
    const realm = { scheme: 'bearer' as const, realm: `http://${host}/token`, service: 's' };
    assert.match(await refusal(new TokenSource({ username: 'u', password: 'p' }, false).token(realm, [], 'r/x')), /r\/x: the registry's token realm http:\/\/.* is not HTTPS \(--insecure allows plain HTTP\)/);
    routes.delete('GET /v2/');
  });
});
