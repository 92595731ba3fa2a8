import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { imagesPull } from '../../src/cli/images-pull.js';
import { imagesPush } from '../../src/cli/images-push.js';
import { startRegistry, type TestRegistry } from './support/registry.js';
import { captured } from '../support/captured-output.js';
import { importRootfs, kilnData, newAccount, ownedImage, storedJson, type TestKilnData } from './support/kiln-images.js';

/*
 * `kiln images push` and `kiln images pull` against a real registry (Debian's docker-registry)
 * with htpasswd (bcrypt) Basic authentication; what Kiln pushed is read back by skopeo.
 */

const run = promisify(execFile);
const USER = 'kiln-user';
const PASSWORD = 'p@ss-w0rd-not-printed';

interface Manifest { mediaType: string; config: { digest: string; size: number }; layers: Array<{ digest: string; size: number; mediaType: string }> }

let k: TestKilnData;
let registry: TestRegistry;
let authfile: string;
let imageId: string;
let manifestDigest: string;

before(async () => {
  k = await kilnData();
  registry = await startRegistry(join(k.dir, 'registry'), { kind: 'htpasswd', username: USER, password: PASSWORD });
  authfile = join(k.dir, 'auth.json');
  writeFileSync(authfile, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
  // 17 MiB of random bytes: more than one 16 MiB chunk.
  imageId = await importRootfs(k, 'pushed', 'hello from kiln\n', 17 * 1024 * 1024);
  manifestDigest = (await ownedImage(k, k.accountId, imageId))!.manifestDigest!;
});

after(async () => {
  await registry?.stop();
  k?.cleanup();
});

const push = (...args: string[]) => captured(() => imagesPush(k.config, args));
const skopeo = (...args: string[]) => run('skopeo', args, { maxBuffer: 64 * 1024 * 1024 });
const creds = () => [`--creds=${USER}:${PASSWORD}`, '--tls-verify=false'];

describe('kiln images push and pull with Basic authentication', () => {
  test('push: the registry holds Kiln\'s manifest and blobs byte for byte, uploaded in chunks; skopeo reads and copies it', async () => {
    const since = registry.log().length;
    const r = await push(imageId, `${registry.host}/team/app:1.0`, '--region', k.region, '--insecure', '--authfile', authfile);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), manifestDigest);
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(PASSWORD), 'the password is never printed');
    assert.match(r.stderr, /uploaded/);
    const requests = registry.requests(since);
    const patches = requests.filter((l) => l.startsWith('PATCH /v2/team/app/blobs/uploads/'));
    assert.ok(patches.length >= 3, `the 17 MiB layer in two chunks and the config in one:\n${requests.join('\n')}`);
    assert.ok(requests.some((l) => /^PUT \/v2\/team\/app\/manifests\/1\.0 201$/.test(l)), requests.join('\n'));

    const kilnManifest = await storedJson<Manifest>(k, manifestDigest);
    const raw = (await skopeo('inspect', '--raw', ...creds(), `docker://${registry.host}/team/app:1.0`)).stdout;
    assert.equal(raw, readFileSync((await k.blobs.path(manifestDigest))!, 'utf8'), 'the registry serves Kiln\'s manifest bytes');
    const inspected = JSON.parse((await skopeo('inspect', ...creds(), `docker://${registry.host}/team/app:1.0`)).stdout) as { Digest: string; Layers: string[] };
    assert.equal(inspected.Digest, manifestDigest);
    assert.deepEqual(inspected.Layers, kilnManifest.layers.map((l) => l.digest));

    const layout = join(k.dir, 'skopeo-layout');
    await skopeo('copy', '--preserve-digests', '--dest-oci-accept-uncompressed-layers', `--src-creds=${USER}:${PASSWORD}`, '--src-tls-verify=false', `docker://${registry.host}/team/app:1.0`, `oci:${layout}:copied`);
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    assert.equal(index.manifests[0]!.digest, manifestDigest, 'skopeo copied the same manifest');
    for (const l of kilnManifest.layers) {
      const copied = readFileSync(join(layout, 'blobs', 'sha256', l.digest.slice(7)));
      assert.equal(`sha256:${createHash('sha256').update(copied).digest('hex')}`, l.digest);
    }
  });

  test('push again: every blob exists, nothing is uploaded', async () => {
    const since = registry.log().length;
    const r = await push(imageId, `${registry.host}/team/app:1.0`, '--insecure', '--authfile', authfile);
    assert.equal(r.code, 0, r.stderr);
    const requests = registry.requests(since);
    assert.deepEqual(requests.filter((l) => /^(POST|PATCH) /.test(l)), [], requests.join('\n'));
    assert.equal(requests.filter((l) => /^HEAD \/v2\/team\/app\/blobs\/sha256:[0-9a-f]{64} 200$/.test(l)).length, 2);
    assert.match(r.stderr, /already in the repository \(2\/2\)/);
  });

  test('push to a second repository: the blobs are mounted from the first, not uploaded', async () => {
    const since = registry.log().length;
    const r = await push(imageId, `${registry.host}/team/other:v1`, '--insecure', '--authfile', authfile);
    assert.equal(r.code, 0, r.stderr);
    const requests = registry.requests(since);
    const mounts = requests.filter((l) => /^POST \/v2\/team\/other\/blobs\/uploads\/\?mount=sha256%3A[0-9a-f]{64}&from=team%2Fapp 201$/.test(l));
    assert.equal(mounts.length, 2, requests.join('\n'));
    assert.deepEqual(requests.filter((l) => l.startsWith('PATCH ')), []);
    assert.match(r.stderr, /mounted from team\/app/);
  });

  test('pull into another account: the same manifest and layers, registered under the name asked for', async () => {
    const other = await newAccount(k);
    const r = await captured(() => imagesPull(k.config, [`${registry.host}/team/other:v1`, '--name', 'pulled-back', '--account', other, '--insecure', '--authfile', authfile]));
    assert.equal(r.code, 0, r.stderr);
    const pulled = await ownedImage(k, other, r.stdout.trim());
    assert.ok(pulled, 'registered in the other account');
    assert.equal(pulled.imageName, 'pulled-back');
    assert.equal(pulled.manifestDigest, manifestDigest);
    assert.equal(pulled.description, `Pulled from ${registry.host}/team/other:v1`);
    assert.match(r.stderr, /^pulling 2 blobs, \d+ bytes\nblob sha256:[0-9a-f]{12} \d+ bytes: downloaded \(1\/2\)\nblob sha256:[0-9a-f]{12} 17\d{6} bytes: downloaded \(2\/2\)\n$/);
    const again = await captured(() => imagesPull(k.config, [`${registry.host}/team/other@${manifestDigest}`, '--name', 'pulled-back', '--account', other, '--insecure', '--authfile', authfile]));
    assert.equal(again.code, 1);
    assert.match(again.stderr, /InvalidImageName\.Duplicated/);
  });

  test('an index: pull takes its linux/amd64 image', async () => {
    const arm = await importRootfs(k, 'arm-stand-in', 'not the amd64 one\n');
    const armDigest = (await ownedImage(k, k.accountId, arm))!.manifestDigest!;
    assert.equal((await push(arm, `${registry.host}/team/multi:arm`, '--insecure', '--authfile', authfile)).code, 0);
    assert.equal((await push(imageId, `${registry.host}/team/multi:amd`, '--insecure', '--authfile', authfile)).code, 0);
    const size = async (d: string) => (await k.blobs.size(d))!;
    const index = JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: armDigest, size: await size(armDigest), platform: { os: 'linux', architecture: 'arm64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: await size(manifestDigest), platform: { os: 'linux', architecture: 'amd64' } },
      ],
    });
    const res = await fetch(`http://${registry.host}/v2/team/multi/manifests/multi`, {
      method: 'PUT', body: index,
      headers: { 'content-type': 'application/vnd.oci.image.index.v1+json', authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
    });
    assert.equal(res.status, 201, await res.text());
    const r = await captured(() => imagesPull(k.config, [`${registry.host}/team/multi:multi`, '--name', 'from-index', '--insecure', '--authfile', authfile]));
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await ownedImage(k, k.accountId, r.stdout.trim()))!.manifestDigest, manifestDigest);
  });

  test('no credentials, or wrong ones: refused with a message naming the registry and repository, and no secret', async () => {
    mkdirSync(join(k.dir, 'empty-docker'), { recursive: true });
    const saved = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = join(k.dir, 'empty-docker');
    try {
      const anonymous = await push(imageId, `${registry.host}/team/app:anon`, '--insecure');
      assert.equal(anonymous.code, 1);
      assert.match(anonymous.stderr, new RegExp(`kiln: ${registry.host}/team/app: HEAD /v2/team/app/blobs/sha256:[0-9a-f]+: authentication required .*\\(401\\) \\(no credentials were given`));
    } finally {
      if (saved === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = saved;
    }
    const wrong = await captured(() => imagesPush(k.config, [imageId, `${registry.host}/team/app:wrong`, '--insecure', '--username', USER, '--password-stdin'], async () => 'not-the-password\n'));
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, new RegExp(`${registry.host}/team/app: .*\\(401\\)`));
    assert.doesNotMatch(wrong.stderr, /not-the-password/);
    const missing = await captured(() => imagesPull(k.config, [`${registry.host}/team/none:1`, '--name', 'none', '--insecure', '--authfile', authfile]));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`${registry.host}/team/none: GET /v2/team/none/manifests/1: not found \\(404\\)`));
    const tls = await push(imageId, `${registry.host}/team/app:tls`, '--authfile', authfile);
    assert.equal(tls.code, 1, 'https is the default: a plain-HTTP registry is not reached without --insecure');
    assert.match(tls.stderr, new RegExp(`${registry.host}: GET /v2/: the registry cannot be reached`));
  });
});
