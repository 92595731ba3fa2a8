import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { imagesPull } from '../../src/cli/images-pull.js';
import { imagesPush } from '../../src/cli/images-push.js';
import { readImage } from '../../src/engine/image/oci-image.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { makeCertificate, startRegistry, type TestRegistry } from './support/registry.js';
import { startTokenServer, type TokenServer } from './support/token-server.js';
import { captured } from '../support/captured-output.js';
import { importRootfs, kilnData, noPullLeftovers, ownedImage, type TestKilnData } from './support/kiln-images.js';

/*
 * `kiln images push` and `kiln images pull` against a real registry with token authentication:
 * the registry's `auth.token` trusts a certificate made here by openssl, and a token endpoint
 * in the test signs JWTs with its key (the registry verifies them). Images made by other tools
 * (umoci builds an OCI layout, skopeo pushes it) are pulled; a blob whose bytes the registry's
 * storage no longer matches is refused with nothing registered.
 */

const run = promisify(execFile);
const USER = 'token-user';
const PASSWORD = 'token-secret-not-printed';

let k: TestKilnData;
let tokens: TokenServer;
let registry: TestRegistry;
let imageId: string;

before(async () => {
  k = await kilnData();
  const cert = makeCertificate(k.dir);
  tokens = await startTokenServer({ ...cert, username: USER, password: PASSWORD });
  registry = await startRegistry(join(k.dir, 'registry'), { kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, certFile: cert.certFile });
  imageId = await importRootfs(k, 'token-pushed', 'pushed with a bearer token\n');
});

after(async () => {
  await registry?.stop();
  await tokens?.stop();
  k?.cleanup();
});

const login = ['--insecure', '--username', USER, '--password-stdin'];
const stdin = async () => `${PASSWORD}\n`;
const push = (...args: string[]) => captured(() => imagesPush(k.config, [...args, ...login], stdin));
const pull = (...args: string[]) => captured(() => imagesPull(k.config, [...args, ...login], stdin));
const skopeo = (...args: string[]) => run('skopeo', args, { maxBuffer: 64 * 1024 * 1024 });

/** An OCI image layout made by umoci (one layer holding `content` at `/srv/<name>`), pushed by skopeo to `target` (`--format` given or not). */
async function umociImagePushedBySkopeo(name: string, content: string, target: string, format?: 'v2s2'): Promise<string> {
  const layout = join(k.dir, `umoci-${name}`);
  const bundle = join(k.dir, `bundle-${name}`);
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:latest`]);
  // unpack + repack (umoci 0.4.7's `insert` writes a layer tar without its padding and end marker)
  await run('umoci', ['unpack', '--image', `${layout}:latest`, bundle]);
  mkdirSync(join(bundle, 'rootfs', 'srv'), { recursive: true });
  writeFileSync(join(bundle, 'rootfs', 'srv', name), content);
  await run('umoci', ['repack', '--image', `${layout}:latest`, bundle]);
  await skopeo('copy', ...(format ? ['--format', format] : []), `--dest-creds=${USER}:${PASSWORD}`, '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${registry.host}/${target}`);
  const inspected = JSON.parse((await skopeo('inspect', `--creds=${USER}:${PASSWORD}`, '--tls-verify=false', `docker://${registry.host}/${target}`)).stdout) as { Digest: string };
  return inspected.Digest;
}

/** The content of `path` in the image's unpacked layers (top layer first). */
async function fileInImage(manifestDigest: string, path: string): Promise<string> {
  const layers = new LayerStore(k.config.dataDir, k.blobs);
  const { layers: blobs } = await readImage(k.blobs, manifestDigest);
  for (const l of blobs.reverse()) {
    try {
      return readFileSync(join(layers.dirOf(l.diffId), path), 'utf8');
    } catch {}
  }
  throw new Error(`${path} is in no layer`);
}

describe('kiln images push and pull with token authentication', () => {
  test('push: one token for the repository\'s pull,push scope, cached for every request of the push', async () => {
    const before = tokens.requests.length;
    const r = await push(imageId, `${registry.host}/team/app:1.0`);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(PASSWORD));
    assert.deepEqual(tokens.requests.slice(before), [['repository:team/app:pull,push']]);
    const digest = (await ownedImage(k, k.accountId, imageId))!.manifestDigest!;
    const inspected = JSON.parse((await skopeo('inspect', `--creds=${USER}:${PASSWORD}`, '--tls-verify=false', `docker://${registry.host}/team/app:1.0`)).stdout) as { Digest: string };
    assert.equal(inspected.Digest, digest);
  });

  test('push to a second repository: the token covers pulling from the first, and the blobs are mounted', async () => {
    const before = tokens.requests.length;
    const since = registry.log().length;
    const r = await push(imageId, `${registry.host}/team/copy:1.0`);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(tokens.requests.slice(before).some((s) => s.includes('repository:team/app:pull') && s.includes('repository:team/copy:pull,push')), JSON.stringify(tokens.requests.slice(before)));
    const requests = registry.requests(since);
    assert.equal(requests.filter((l) => /^POST \/v2\/team\/copy\/blobs\/uploads\/\?mount=.*&from=team%2Fapp 201$/.test(l)).length, 2, requests.join('\n'));
    assert.deepEqual(requests.filter((l) => l.startsWith('PATCH ')), []);
  });

  test('wrong password: the token endpoint refuses, the message names the registry and repository', async () => {
    const r = await captured(() => imagesPush(k.config, [imageId, `${registry.host}/team/app:2.0`, '--insecure', '--username', USER, '--password-stdin'], async () => 'wrong\n'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`kiln: ${registry.host}/team/app: the token endpoint http://127.0.0.1:\\d+/token refused a token for repository:team/app:pull,push \\(401: the credentials were refused\\)`));
  });

  test('pull an image umoci made and skopeo pushed (OCI manifest, gzip layer): its file is in the pulled image', async () => {
    const digest = await umociImagePushedBySkopeo('oci', 'made by umoci\n', 'tools/oci:1');
    const r = await pull(`${registry.host}/tools/oci:1`, '--name', 'from-umoci');
    assert.equal(r.code, 0, r.stderr);
    const image = (await ownedImage(k, k.accountId, r.stdout.trim()))!;
    assert.equal(image.manifestDigest, digest);
    assert.equal(await fileInImage(digest, 'srv/oci'), 'made by umoci\n');
  });

  test('pull a Docker schema 2 image (skopeo --format v2s2)', async () => {
    const digest = await umociImagePushedBySkopeo('docker', 'docker schema 2\n', 'tools/docker:1', 'v2s2');
    const raw = JSON.parse((await skopeo('inspect', '--raw', `--creds=${USER}:${PASSWORD}`, '--tls-verify=false', `docker://${registry.host}/tools/docker:1`)).stdout) as { mediaType: string };
    assert.equal(raw.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    const r = await pull(`${registry.host}/tools/docker@${digest}`, '--name', 'from-docker');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await ownedImage(k, k.accountId, r.stdout.trim()))!.manifestDigest, digest);
    assert.equal(await fileInImage(digest, 'srv/docker'), 'docker schema 2\n');

    // Pushed on as it is (a Docker manifest): the same digest; its blobs mounted from where the pull found them.
    const since = registry.log().length;
    const again = await push(r.stdout.trim(), `${registry.host}/tools/docker-again:1`);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), digest);
    const requests = registry.requests(since);
    assert.equal(requests.filter((l) => /^POST \/v2\/tools\/docker-again\/blobs\/uploads\/\?mount=.*&from=tools%2Fdocker 201$/.test(l)).length, 2, requests.join('\n'));
  });

  test('a registry serving a blob whose bytes do not match its digest: the pull fails, nothing is registered or stored', async () => {
    await umociImagePushedBySkopeo('corrupt', 'soon corrupted\n', 'tools/corrupt:1');
    const manifest = JSON.parse((await skopeo('inspect', '--raw', `--creds=${USER}:${PASSWORD}`, '--tls-verify=false', `docker://${registry.host}/tools/corrupt:1`)).stdout) as { layers: Array<{ digest: string }> };
    const layer = manifest.layers[0]!.digest;
    const hex = layer.slice('sha256:'.length);
    const data = join(registry.storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    const bytes = readFileSync(data);
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0xff;
    writeFileSync(data, bytes);
    // What a killed pull would have left (its process is gone): the next pull removes it.
    const stale = join(k.config.dataDir, 'distribution', 'pulls', 'pull-2147483646-0a0b0c');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'image.tar'), 'partial');
    const r = await pull(`${registry.host}/tools/corrupt:1`, '--name', 'corrupt');
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`kiln: ${registry.host}/tools/corrupt: the blob ${layer} does not match its digest`));
    assert.equal(await ownedImage(k, k.accountId, 'corrupt'), undefined, 'no image registered');
    assert.equal(await k.blobs.has(layer), false, 'the layer is not in Kiln\'s blob store');
    assert.ok(noPullLeftovers(k), 'no temporary archive left, nor the stale one');
  });
});
