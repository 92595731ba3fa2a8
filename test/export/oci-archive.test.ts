import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { exportImage } from '../../src/engine/export/export-image.js';
import { readImage } from '../../src/engine/image/oci-image.js';
import { EXPECTED_TREE, IMAGE_CONFIG, makeTestImage, type TestImage } from './support/test-image.js';
import { readTree } from './support/read-tree.js';

/*
 * Issue 9, part X: the OCI and docker archives are read by independent tools. skopeo inspects
 * them and copies them (the layer digests are Kiln's own, the config keeps CMD, ENTRYPOINT, ENV,
 * WORKDIR, USER and LABEL), and umoci unpacks the layout into the image's merged file tree
 * (whiteouts and the opaque directory applied; owners, modes, xattrs, symlinks, hard links and
 * device nodes kept).
 */

const run = promisify(execFile);
let img: TestImage;

before(async () => {
  img = await makeTestImage();
});
after(() => img.close());

async function skopeoJson(...args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse((await run('skopeo', ['--insecure-policy', ...args])).stdout) as Record<string, unknown>;
}

describe('kiln export: OCI image layout archive', () => {
  test('skopeo reads it: the layers are Kiln\'s blobs and the config is the build\'s', async () => {
    const file = join(img.work, 'image.oci.tar');
    await exportImage(img.deps, { manifestDigest: img.manifestDigest, format: 'oci', file, tag: 'kiln/test:1.0' });
    const inspect = await skopeoJson('inspect', `oci-archive:${file}:kiln/test:1.0`);
    const { layers } = await readImage(img.deps.blobs, img.manifestDigest);
    assert.equal(inspect.Digest, img.manifestDigest);
    assert.deepEqual(inspect.Layers, layers.map((l) => l.digest));
    const config = (await skopeoJson('inspect', '--config', `oci-archive:${file}:kiln/test:1.0`)).config as Record<string, unknown>;
    assert.deepEqual(config.Cmd, IMAGE_CONFIG.cmd);
    assert.deepEqual(config.Entrypoint, IMAGE_CONFIG.entrypoint);
    assert.deepEqual(config.Env, ['PATH=/bin', 'GREETING=hello world']);
    assert.equal(config.WorkingDir, IMAGE_CONFIG.workingDir);
    assert.equal(config.User, IMAGE_CONFIG.user);
    assert.deepEqual(config.Labels, IMAGE_CONFIG.labels);
    const copy = join(img.work, 'copied-oci');
    await run('skopeo', ['--insecure-policy', 'copy', `oci-archive:${file}:kiln/test:1.0`, `dir:${copy}`]);
    for (const l of layers) assert.ok(readdirSync(copy).includes(l.digest.slice('sha256:'.length)), `skopeo copied layer ${l.digest} under its own digest`);
  });

  test('umoci unpacks the layout into the image\'s merged file tree', async () => {
    const file = join(img.work, 'umoci.oci.tar');
    await exportImage(img.deps, { manifestDigest: img.manifestDigest, format: 'oci', file, tag: 'latest' });
    const layout = join(img.work, 'layout');
    mkdirSync(layout);
    await run('tar', ['-xf', file, '-C', layout]);
    const bundle = join(img.work, 'bundle');
    await run('umoci', ['unpack', '--image', `${layout}:latest`, bundle]);
    assert.deepEqual(await readTree(join(bundle, 'rootfs')), EXPECTED_TREE);
  });
});

describe('kiln export: docker archive', () => {
  test('skopeo reads it as docker-archive with its RepoTag, and copies it', async () => {
    const file = join(img.work, 'image.docker.tar');
    await exportImage(img.deps, { manifestDigest: img.manifestDigest, format: 'docker', file, tag: 'kiln/test:1.0' });
    const inspect = await skopeoJson('inspect', `docker-archive:${file}`);
    const { layers } = await readImage(img.deps.blobs, img.manifestDigest);
    assert.deepEqual(inspect.Layers, layers.map((l) => l.digest));
    assert.deepEqual((inspect.Env as string[]), ['PATH=/bin', 'GREETING=hello world']);
    const byTag = await skopeoJson('inspect', `docker-archive:${file}:kiln/test:1.0`);
    assert.deepEqual(byTag.Layers, inspect.Layers);
    const layout = join(img.work, 'from-docker');
    await run('skopeo', ['--insecure-policy', 'copy', `docker-archive:${file}`, `oci:${layout}:copied`]);
    const bundle = join(img.work, 'bundle-docker');
    await run('umoci', ['unpack', '--image', `${layout}:copied`, bundle]);
    assert.deepEqual(await readTree(join(bundle, 'rootfs')), EXPECTED_TREE);
  });
});
