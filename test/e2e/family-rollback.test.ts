import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { REGION, startKiln, type TestKiln } from '../support/kiln.js';
import { createPipeline, expectCode, imageOptions } from '../support/ecs-requests.js';
import { $Ecs, build, buildExisting, describeImages, logsContaining, startExecution, uniqueName } from '../support/builds.js';

/*
 * The real service's rollback, end to end: two builds make two images of one family; a
 * template with BaseImageType=IMAGE_FAMILY builds on the newest; once the newest is deprecated
 * (ModifyImageAttribute), DescribeImageFromFamily and the same template's next build use the one
 * before it; made Available again, the newest is back.
 */

let kiln: TestKiln;

before(async () => {
  kiln = await startKiln({ KILN_WORKERS: '1' });
});
after(async () => {
  await kiln?.stop();
});

async function release(family: string, n: string, nvmeSupport: string): Promise<string> {
  const name = uniqueName(`release-${n}`);
  const { item } = await build(kiln.clients.v3, {
    name, buildContent: `RUN echo ${n} > /release`, imageOptions: imageOptions({ imageName: name, imageFamily: family, nvmeSupport }),
  });
  assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
  return item.imageId!;
}

async function fromFamily(family: string): Promise<string | undefined> {
  const res = await kiln.clients.v3.describeImageFromFamily(new $Ecs.DescribeImageFromFamilyRequest({ regionId: REGION, imageFamily: family }));
  return res.body?.image?.imageId;
}

function deprecate(imageId: string, status: 'Deprecated' | 'Available') {
  return kiln.clients.v1.modifyImageAttribute(new $Ecs.ModifyImageAttributeRequest({ regionId: REGION, imageId, status }));
}

test('an IMAGE_FAMILY build follows the family: deprecating the newest image rolls it back, restoring it rolls forward', async () => {
  const family = uniqueName('family');
  const one = await release(family, 'one', 'unsupported');
  const two = await release(family, 'two', 'supported');
  // The built images carry their template's NvmeSupport.
  assert.equal((await describeImages(kiln.clients.v3, { imageId: two }))[0]?.features?.nvmeSupport, 'supported');
  assert.equal((await describeImages(kiln.clients.v3, { imageId: one }))[0]?.features?.nvmeSupport, 'unsupported');
  assert.equal(await fromFamily(family), two);

  const follower = await createPipeline(kiln.clients.v3, {
    name: uniqueName('follower'), baseImageType: 'IMAGE_FAMILY', baseImage: family, buildContent: 'RUN echo "base-release=$(cat /release)"',
  });
  /** Runs the follower; it must build on `base` (its step runs there, unless the step cache has it from an earlier run on the same base). */
  async function followerBuildsOn(base: string, release?: string): Promise<void> {
    const { executionId, item } = await buildExisting(kiln.clients.v3, follower);
    assert.equal(item.status, 'SUCCESS', JSON.stringify(item));
    await logsContaining(kiln.app.store, executionId, `Building: 1 step(s) on ${base}.`);
    if (release) await logsContaining(kiln.app.store, executionId, `base-release=${release}`);
  }
  await followerBuildsOn(two, 'two');
  await deprecate(two, 'Deprecated');
  assert.equal(await fromFamily(family), one);
  await followerBuildsOn(one, 'one');
  await deprecate(two, 'Available');
  assert.equal(await fromFamily(family), two);
  await followerBuildsOn(two);

  // Every image of the family deprecated: the family has none, and the build does not start.
  await deprecate(one, 'Deprecated');
  await deprecate(two, 'Deprecated');
  assert.equal(await fromFamily(family), undefined);
  await expectCode(() => startExecution(kiln.clients.v3, follower), 'InvalidImage.NotFound', 404);
});
