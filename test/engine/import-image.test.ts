import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { globToRegExp } from '../../src/app/image-catalog.js';
import { DEFAULT_IMAGE_ALIASES, loadConfig } from '../../src/config/config.js';
import { ensureBusyboxBase } from '../../src/engine/base-images/busybox.js';
import { LayerStore } from '../../src/engine/layers/layer-store.js';
import { runCliOn, type CliResult } from '../support/child.js';
import { expectError, REGION, startKiln, type TestKiln } from '../support/kiln.js';
import { $Ecs, build, buildExisting, describeImages, uniqueName } from '../support/builds.js';
import { createPipeline } from '../support/ecs-requests.js';

/*
 * `kiln images import`: a gzip rootfs tarball and a hand-written OCI image layout archive are
 * imported with the CLI into a running Kiln's data dir, then built on through the official SDK.
 * Image aliases: a public Alibaba Cloud image id runs on the image its alias names.
 */

const run = promisify(execFile);
const ALIAS_PATTERN = 'ubuntu_22_04_x64_20G_alibase_*.vhd';
const PUBLIC_ID = 'ubuntu_22_04_x64_20G_alibase_20230515.vhd';

let kiln: TestKiln;
let work: string;
let rootfsTgz: string;
let ociTar: string;

const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

const cli = (args: string[]): Promise<CliResult> => runCliOn(kiln.config, args);

/** A layout dir with one manifest over `layerTar`, archived as a tar; returns the archive path. */
function ociArchive(dir: string, layerTar: Buffer, env: string[]): string {
  const layout = join(dir, 'layout');
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  const putBlob = (b: Buffer): { digest: string; size: number } => {
    const digest = sha256(b);
    writeFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), b);
    return { digest, size: b.length };
  };
  const layer = putBlob(layerTar);
  const config = putBlob(Buffer.from(JSON.stringify({
    created: '2026-11-01T00:00:00Z', architecture: 'amd64', os: 'linux',
    config: { Env: env, WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
  })));
  const manifest = putBlob(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
  })));
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }],
  }));
  return layout;
}

before(async () => {
  kiln = await startKiln({ KILN_WORKERS: '1', KILN_IMAGE_ALIASES: JSON.stringify([{ pattern: ALIAS_PATTERN, image: 'busybox_x64_20G_kiln_base.vhd' }]) });
  work = mkdtempSync(join(tmpdir(), 'kiln-import-'));
  // A busybox root filesystem made in a scratch layer store, plus a marker file.
  const blobs = new LocalBlobStore(join(work, 'scratch', 'blobs'));
  const base = await ensureBusyboxBase(new LayerStore(join(work, 'scratch'), blobs));
  const stage = join(work, 'rootfs');
  await run('cp', ['-a', `${base.dir}/.`, stage]);
  writeFileSync(join(stage, 'etc', 'kiln-imported'), 'from-tarball\n');
  rootfsTgz = join(work, 'rootfs.tar.gz');
  await run('tar', ['-C', stage, '-czf', rootfsTgz, '.']);

  writeFileSync(join(stage, 'etc', 'kiln-imported'), 'from-oci\n');
  const layerTar = join(work, 'layer.tar');
  await run('tar', ['-C', stage, '-cf', layerTar, '.']);
  const layout = ociArchive(work, readFileSync(layerTar), ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'FROM_OCI=yes']);
  ociTar = join(work, 'image-oci.tar');
  await run('tar', ['-C', layout, '-cf', ociTar, '.']);
});

after(async () => {
  await kiln?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('kiln images import', () => {
  test('a gzip rootfs tarball becomes an Available image of the default account; a build on it reaches SUCCESS', async () => {
    const name = uniqueName('rootfs');
    const res = await cli(['images', 'import', rootfsTgz, '--name', name, '--region', REGION, '--family', 'imported', '--description', 'from a tarball']);
    assert.equal(res.code, 0, res.stderr);
    const imageId = res.stdout.trim();
    assert.match(imageId, /^m-[a-z0-9]{20}$/);

    const [img] = await describeImages(kiln.clients.v3, { imageId });
    assert.ok(img, 'DescribeImages lists the imported image');
    assert.equal(img.imageName, name);
    assert.equal(img.status, 'Available');
    assert.equal(img.imageOwnerAlias, 'self');
    assert.equal(img.imageFamily, 'imported');
    assert.equal(img.description, 'from a tarball');

    const built = await build(kiln.clients.v3, {
      name: uniqueName('on-rootfs'), baseImage: imageId, imageName: uniqueName('out'),
      buildContent: 'RUN test "$(cat /etc/kiln-imported)" = from-tarball && echo imported-ok',
    });
    assert.equal(built.item.status, 'SUCCESS', JSON.stringify(built.item));
  });

  test('an OCI image layout archive: its manifest, config (Env) and layer are imported; a build on it reaches SUCCESS', async () => {
    const name = uniqueName('oci');
    const res = await cli(['images', 'import', ociTar, '--name', name, '--region', REGION]);
    assert.equal(res.code, 0, res.stderr);
    const imageId = res.stdout.trim();
    assert.match(imageId, /^m-[a-z0-9]{20}$/);
    const built = await build(kiln.clients.v3, {
      name: uniqueName('on-oci'), baseImage: imageId, imageName: uniqueName('out'),
      buildContent: 'RUN test "$(cat /etc/kiln-imported)" = from-oci && test "$FROM_OCI" = yes',
    });
    assert.equal(built.item.status, 'SUCCESS', JSON.stringify(built.item));
  });

  test('a name already used in the region is refused (InvalidImageName.Duplicated)', async () => {
    const name = uniqueName('dup');
    assert.equal((await cli(['images', 'import', rootfsTgz, '--name', name, '--region', REGION])).code, 0);
    const again = await cli(['images', 'import', ociTar, '--name', name, '--region', REGION]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /InvalidImageName\.Duplicated/);
  });

  test('an OCI archive whose blob does not match its digest is refused', async () => {
    const dir = join(work, 'bad');
    const layout = ociArchive(dir, Buffer.alloc(1024), []);
    const blobDir = join(layout, 'blobs', 'sha256');
    const victim = readdirSync(blobDir).find((f) => readFileSync(join(blobDir, f)).length === 1024)!;
    writeFileSync(join(blobDir, victim), Buffer.alloc(1024, 1));
    const tarPath = join(dir, 'bad.tar');
    await run('tar', ['-C', layout, '-cf', tarPath, '.']);
    const res = await cli(['images', 'import', tarPath, '--name', uniqueName('bad'), '--region', REGION]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /does not match its digest/);
  });
});

describe('image aliases', () => {
  test('globs: * matches any run, everything else is literal; the defaults map public ids to Debian minbase', () => {
    assert.ok(globToRegExp(ALIAS_PATTERN).test(PUBLIC_ID));
    assert.ok(!globToRegExp(ALIAS_PATTERN).test('ubuntu_22_04_x64_20G_alibaseX20230515Xvhd'));
    assert.ok(!globToRegExp('a.b').test('axb'));
    const config = loadConfig({});
    assert.deepEqual(config.imageAliases, DEFAULT_IMAGE_ALIASES);
    assert.ok(config.imageAliases.some((a) => a.pattern === 'ubuntu_*' && a.image === 'debian_minbase_x64_20G_kiln_base.vhd'));
    assert.deepEqual(loadConfig({ KILN_IMAGE_ALIASES: '[]' }).imageAliases, []);
    assert.throws(() => loadConfig({ KILN_IMAGE_ALIASES: '{"pattern":"x"}' }), /KILN_IMAGE_ALIASES/);
  });

  test('a template on a public image id runs on the alias target and keeps the id it named', async () => {
    const pipelineId = await createPipeline(kiln.clients.v3, { name: uniqueName('alias'), baseImage: PUBLIC_ID, imageName: uniqueName('out'), buildContent: 'RUN test -x /bin/busybox && echo alias-ok' });
    const res = await kiln.clients.v3.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION, imagePipelineId: [pipelineId] }));
    assert.equal(res.body?.imagePipeline?.imagePipelineSet?.[0]?.baseImage, PUBLIC_ID);
    const built = await buildExisting(kiln.clients.v3, pipelineId);
    assert.equal(built.item.status, 'SUCCESS', JSON.stringify(built.item));
  });

  test('an id no alias matches is still InvalidImage.NotFound', async () => {
    const err = await expectError(() => createPipeline(kiln.clients.v3, { name: uniqueName('noalias'), baseImage: 'centos_7_9_x64_20G_alibase_20230515.vhd', buildContent: 'RUN true' }));
    assert.equal(err.code, 'InvalidImage.NotFound');
  });
});
