import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { LocalBlobStore } from '../../src/blobs/local-blob-store.js';
import { readImage } from '../../src/engine/image/oci-image.js';
import { REGION, startKiln, type TestKiln } from '../support/kiln.js';
import { imageOptions } from '../support/ecs-requests.js';
import { $Ecs, assertNoLeftovers, build, buildExisting, describeImages, logsContaining, uniqueName } from '../support/builds.js';

/*
 * A real build on the busybox base, end to end through the official SDK: every kind of
 * instruction, the image in DescribeImages, the test instance checking the image's content,
 * and the image name with and without the execution-id suffix.
 */

let kiln: TestKiln;

before(async () => {
  kiln = await startKiln({ KILN_WORKERS: '1' });
});
after(async () => {
  await kiln?.stop();
});

const BUILD = [
  'ENV GREETING=hello-kiln',                                                         // line 1
  'WORKDIR /opt/app',                                                                // line 2
  'RUN echo "built with $GREETING" > built.txt && echo step-three-output',          // line 3
  'RUN mkdir -p /srv/data && echo payload > /srv/data/file.txt && echo step-four-output', // line 4
  'COPY /srv/data/file.txt /opt/app/copied',                                         // line 5
  'USER nobody',                                                                     // line 6
  'RUN echo "running as $(id -un)"',                                                 // line 7
  'USER root',                                                                       // line 8
  'RUN id -un > /opt/app/whoami && echo "back to $(id -un) in $(pwd)"',             // line 9
  'LABEL version=1.0 owner=kiln',                                                    // line 10
  'CMD ["/bin/sh", "-c", "echo kiln-started > /run-marker"]',                        // line 11
].join('\n');

const TEST = [
  'RUN test "$(cat /opt/app/built.txt)" = "built with hello-kiln"',
  'RUN test "$(cat /opt/app/copied/file.txt)" = payload',
  'RUN test "$(cat /opt/app/whoami)" = root',
  'RUN test "$GREETING" = hello-kiln && test "$(pwd)" = /opt/app && test "$(id -un)" = root',
  'RUN grep -F "echo kiln-started > /run-marker" /etc/rc.local && test -x /etc/rc.local && echo startup-hook-ok',
].join('\n');

describe('a busybox build through the SDK', () => {
  test('ENV, WORKDIR, RUN, COPY, USER, LABEL and CMD build to SUCCESS; the test instance checks the content', async () => {
    const prefix = uniqueName('ok');
    const { executionId, item, seen } = await build(kiln.clients.v3, { name: prefix, imageName: prefix, buildContent: BUILD, testContent: TEST });
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    assert.match(item.imageId ?? '', /^m-/);
    assert.equal(item.errorCode ?? '', '');
    assert.ok(!seen.includes('FAILED'), seen.join(' → '));

    // The image is the account's own, named {prefix}_{ExecutionId}.
    const images = await describeImages(kiln.clients.v3, { imageId: item.imageId! });
    assert.equal(images.length, 1);
    assert.equal(images[0]!.imageName, `${prefix}_${executionId}`);
    assert.equal(images[0]!.imageOwnerAlias, 'self');
    assert.equal(images[0]!.status, 'Available');
    const byName = await describeImages(kiln.clients.v3, { imageName: `${prefix}_${executionId}`, imageOwnerAlias: 'self' });
    assert.deepEqual(byName.map((i) => i.imageId), [item.imageId]);

    // The image's OCI configuration: what ENV, WORKDIR, USER, LABEL and CMD left.
    const stored = await kiln.app.store.images.getOwned({ accountId: kiln.credentials.accountId, regionId: REGION }, item.imageId!);
    assert.ok(stored?.manifestDigest);
    const { config, layers } = await readImage(new LocalBlobStore(join(kiln.config.dataDir, 'blobs')), stored.manifestDigest);
    assert.deepEqual(config.labels, { version: '1.0', owner: 'kiln' });
    assert.ok(config.env.some(([k, v]) => k === 'GREETING' && v === 'hello-kiln'));
    assert.equal(config.workingDir, '/opt/app');
    assert.equal(config.user, 'root');
    assert.deepEqual(config.cmd, ['/bin/sh', '-c', 'echo kiln-started > /run-marker']);
    assert.ok(layers.length >= 2, 'the base layer and the build\'s layers');

    // Each step's output and its `--> line N` marker; the stages in order; the test's output.
    const logs = await logsContaining(kiln.app.store, executionId, 'startup-hook-ok');
    for (let line = 1; line <= 11; line++) assert.match(logs, new RegExp(`--> line ${line}: `), `marker of line ${line}`);
    assert.match(logs, /--> line 3: RUN echo/);
    assert.match(logs, /--> line 5: COPY \/srv\/data\/file.txt \/opt\/app\/copied/);
    assert.match(logs, /--> line 6: USER nobody/);
    for (const out of ['step-three-output', 'step-four-output', 'running as nobody', 'back to root in /opt/app']) assert.ok(logs.includes(out), `output "${out}" in:\n${logs}`);
    const stages = [...logs.matchAll(/^\[([A-Z]+)\]/gm)].map((m) => m[1]);
    assert.deepEqual(stages, ['PREPARING', 'BUILDING', 'TESTING', 'RELEASING']);

    await assertNoLeftovers(kiln.config.dataDir, executionId);
  });

  test('AdvancedOptions.ImageNameSuffix=disable: the bare name; a second execution ends FAILED with InvalidImageName.Duplicated', async () => {
    const name = uniqueName('bare');
    const first = await build(kiln.clients.v3, {
      name,
      imageOptions: imageOptions({ imageName: name }),
      advancedOptions: new $Ecs.CreateImagePipelineRequestAdvancedOptions({ imageNameSuffix: 'disable' }),
      buildContent: 'RUN echo first > /first',
    });
    assert.equal(first.item.status, 'SUCCESS', JSON.stringify(first.item));
    const images = await describeImages(kiln.clients.v3, { imageName: name });
    assert.deepEqual(images.map((i) => i.imageId), [first.item.imageId]);
    await assertNoLeftovers(kiln.config.dataDir, first.executionId);

    const second = await buildExisting(kiln.clients.v3, first.pipelineId);
    assert.equal(second.item.status, 'FAILED', JSON.stringify(second.item));
    assert.equal(second.item.errorCode, 'InvalidImageName.Duplicated');
    assert.match(second.item.errorInfo ?? '', new RegExp(`image name ${name} is already in use`));
    assert.deepEqual((await describeImages(kiln.clients.v3, { imageName: name })).map((i) => i.imageId), [first.item.imageId], 'no second image');
    await assertNoLeftovers(kiln.config.dataDir, second.executionId);
  });
});
