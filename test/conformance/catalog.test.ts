import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as $Ecs from '@alicloud/ecs20140526';
import { DEFAULT_REGIONS } from '../../src/domain/catalog/regions.js';
import { REGION, expectError, startKiln, type TestKiln } from '../support/kiln.js';
import { expectPopError } from '../support/wire.js';

/*
 * The catalogs a template refers to: regions (DescribeRegions, KILN_REGIONS), base images
 * (DescribeImages), and the NotFound errors of CreateImagePipeline for each catalog reference.
 */

const BUSYBOX = 'busybox_x64_20G_kiln_base.vhd';
const DEBIAN = 'debian_minbase_x64_20G_kiln_base.vhd';
const DEBIAN_VM = 'debian_12_x64_20G_kiln_vm.vhd';

async function expectCode(call: () => Promise<unknown>, code: string, status: number): Promise<void> {
  const e = await expectError(call);
  assert.equal(e.code, code, e.message);
  assert.equal(e.statusCode, status, e.message);
}

describe('with the default configuration', () => {
  let kiln: TestKiln;
  before(async () => {
    kiln = await startKiln();
  });
  after(async () => {
    await kiln?.stop();
  });

  const create = (over: Partial<$Ecs.CreateImagePipelineRequest>) =>
    kiln.clients.v3.createImagePipeline(new $Ecs.CreateImagePipelineRequest({ regionId: REGION, baseImageType: 'IMAGE', baseImage: BUSYBOX, ...over }));

  test('DescribeRegions lists the default regions with RegionEndpoint and LocalName', async () => {
    const r = await kiln.clients.v3.describeRegions(new $Ecs.DescribeRegionsRequest({}));
    const regions = r.body?.regions?.region ?? [];
    assert.equal(regions.length, DEFAULT_REGIONS.length);
    assert.ok(regions.length >= 20);
    assert.deepEqual(regions.map((x) => x.regionId).sort(), DEFAULT_REGIONS.map((x) => x.regionId).sort());
    for (const region of regions) {
      assert.ok(region instanceof $Ecs.DescribeRegionsResponseBodyRegionsRegion);
      assert.equal(region.regionEndpoint, `ecs.${region.regionId}.aliyuncs.com`);
      assert.ok(region.localName && region.localName.length > 0, `${region.regionId} has a LocalName`);
      assert.equal(region.status, 'available');
    }
    assert.equal(regions.find((x) => x.regionId === 'cn-hangzhou')?.localName, '华东1（杭州）');
  });

  test('DescribeImages lists the busybox, Debian minbase and Debian 12 VM base images, parsed by the SDK', async () => {
    const r = await kiln.clients.v3.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION }));
    assert.equal(r.statusCode, 200);
    const images = r.body?.images?.image ?? [];
    assert.deepEqual(images.map((i) => i.imageId).sort(), [BUSYBOX, DEBIAN_VM, DEBIAN]);
    assert.equal(r.body?.totalCount, 3);
    assert.equal(r.body?.regionId, REGION);
    for (const image of images) {
      assert.ok(image instanceof $Ecs.DescribeImagesResponseBodyImagesImage);
      assert.equal(image.OSType, 'linux');
      assert.equal(image.architecture, 'x86_64');
      assert.equal(image.status, 'Available');
      assert.equal(image.imageOwnerAlias, 'system');
      assert.ok(image.imageFamily?.startsWith('acs:'));
      assert.ok((image.size ?? 0) > 0);
      assert.equal(image.diskDeviceMappings?.diskDeviceMapping?.[0]?.type, 'system');
    }
    // The same through V1 and pop-core.
    const v1 = await kiln.clients.v1.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION }));
    assert.equal(v1.body?.images?.image?.length, 3);
    const pop = await kiln.clients.pop.request<{ Images: { Image: Array<{ ImageId: string; OSType: string }> } }>('DescribeImages', { RegionId: REGION });
    assert.deepEqual(pop.Images.Image.map((i) => i.ImageId).sort(), [BUSYBOX, DEBIAN_VM, DEBIAN]);
  });

  test('the Debian 12 VM base is a system image with its real OSName, Platform, BootMode and Size (V3 and V1)', async () => {
    for (const client of [kiln.clients.v3, kiln.clients.v1]) {
      const r = await client.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, imageId: DEBIAN_VM }));
      const [vm] = r.body?.images?.image ?? [];
      assert.equal(r.body?.totalCount, 1);
      assert.deepEqual(
        [vm?.imageId, vm?.imageName, vm?.imageFamily, vm?.imageOwnerAlias, vm?.OSType, vm?.OSName, vm?.OSNameEn, vm?.platform, vm?.bootMode, vm?.size, vm?.architecture, vm?.status],
        [DEBIAN_VM, DEBIAN_VM, 'acs:debian_12_x64', 'system', 'linux', 'Debian 12 64位', 'Debian 12 64 bit', 'Debian', 'UEFI-Preferred', 20, 'x86_64', 'Available'],
      );
      assert.match(vm?.description ?? '', /kernel.*virtio.*systemd.*DHCP.*ttyS0.*growpart/);
      assert.ok((vm?.description ?? '').length <= 256, 'within the Description limit of ECS');
      assert.equal(vm?.features?.nvmeSupport, 'supported');
      assert.equal(vm?.diskDeviceMappings?.diskDeviceMapping?.[0]?.size, '20');
    }
    const family = await kiln.clients.v3.describeImageFromFamily(new $Ecs.DescribeImageFromFamilyRequest({ regionId: REGION, imageFamily: 'acs:debian_12_x64' }));
    assert.equal(family.body?.image?.imageId, DEBIAN_VM);
    assert.equal(family.body?.image?.OSName, 'Debian 12 64位');
  });

  test('DescribeImages filters: ImageId, ImageOwnerAlias, ImageFamily, OSType, PageSize/PageNumber', async () => {
    const ids = async (q: Partial<$Ecs.DescribeImagesRequest>) => {
      const r = await kiln.clients.v3.describeImages(new $Ecs.DescribeImagesRequest({ regionId: REGION, ...q }));
      return { ids: (r.body?.images?.image ?? []).map((i) => i.imageId), total: r.body?.totalCount, page: r.body?.pageNumber, size: r.body?.pageSize };
    };
    assert.deepEqual((await ids({ imageId: BUSYBOX })).ids, [BUSYBOX]);
    assert.deepEqual((await ids({ imageId: `${DEBIAN},${BUSYBOX}` })).ids.sort(), [BUSYBOX, DEBIAN]);
    assert.deepEqual((await ids({ imageFamily: 'acs:debian_12_x64' })).ids, [DEBIAN_VM]);
    assert.deepEqual((await ids({ imageId: 'm-doesnotexist' })).ids, []);
    assert.deepEqual((await ids({ imageOwnerAlias: 'system' })).ids.sort(), [BUSYBOX, DEBIAN_VM, DEBIAN]);
    assert.deepEqual((await ids({ imageOwnerAlias: 'self' })).ids, []);
    assert.deepEqual((await ids({ imageFamily: 'acs:debian_minbase_x64' })).ids, [DEBIAN]);
    assert.deepEqual((await ids({ OSType: 'windows' })).ids, []);

    const p1 = await ids({ pageSize: 1, pageNumber: 1 });
    const p2 = await ids({ pageSize: 1, pageNumber: 2 });
    const p3 = await ids({ pageSize: 1, pageNumber: 3 });
    const p4 = await ids({ pageSize: 1, pageNumber: 4 });
    assert.equal(p1.ids.length, 1);
    assert.equal(p2.ids.length, 1);
    assert.equal(p3.ids.length, 1);
    assert.deepEqual([...p1.ids, ...p2.ids, ...p3.ids].sort(), [BUSYBOX, DEBIAN_VM, DEBIAN]);
    assert.deepEqual(p4.ids, []);
    assert.deepEqual([p2.total, p2.page, p2.size], [3, 2, 1]);

    const bad = await expectPopError(() => kiln.clients.pop.request('DescribeImages', { RegionId: REGION, ImageOwnerAlias: 'nobody' }));
    assert.equal(bad.code, 'InvalidImageOwnerAlias.ValueNotSupported');
    assert.equal(bad.status, 400);
    await expectCode(() => kiln.clients.v3.describeImages(new $Ecs.DescribeImagesRequest({ regionId: 'xx-nowhere-1' })), 'InvalidRegionId.NotFound', 404);
  });

  test('CreateImagePipeline: unknown InstanceType, ResourceGroupId, VSwitchId, BaseImage and image family are NotFound (404)', async () => {
    await expectCode(() => create({ instanceType: 'ecs.nope.large' }), 'InvalidInstanceType.NotFound', 404);
    await expectCode(() => create({ resourceGroupId: 'rg-doesnotexist' }), 'InvalidResourceGroup.NotFound', 404);
    await expectCode(() => create({ vSwitchId: 'vsw-doesnotexist' }), 'InvalidVSwitchId.NotFound', 404);
    await expectCode(() => create({ baseImage: 'm-doesnotexist' }), 'InvalidImage.NotFound', 404);
    await expectCode(() => create({ baseImageType: 'IMAGE_FAMILY', baseImage: 'acs:no_such_family' }), 'InvalidImage.NotFound', 404);
    await expectCode(() => create({ toRegionId: ['xx-nowhere-1'] }), 'InvalidRegionId.NotFound', 404);
    const p = await expectPopError(() => kiln.clients.pop.request('CreateImagePipeline', { RegionId: REGION, BaseImageType: 'IMAGE', BaseImage: BUSYBOX, InstanceType: 'ecs.nope.large' }, { method: 'POST' }));
    assert.equal(p.code, 'InvalidInstanceType.NotFound');
    assert.equal(p.status, 404);

    // The same fields with catalog values are accepted and kept.
    const ok = await create({ baseImageType: 'IMAGE_FAMILY', baseImage: 'acs:debian_minbase_x64', instanceType: 'ecs.c6.large', toRegionId: ['cn-beijing'] });
    const id = ok.body?.imagePipelineId as string;
    const d = await kiln.clients.v3.describeImagePipelines(new $Ecs.DescribeImagePipelinesRequest({ regionId: REGION, imagePipelineId: [id] }));
    const [p0] = d.body?.imagePipeline?.imagePipelineSet ?? [];
    assert.equal(p0?.baseImageType, 'IMAGE_FAMILY');
    assert.equal(p0?.baseImage, 'acs:debian_minbase_x64');
    assert.equal(p0?.instanceType, 'ecs.c6.large');
    // The account's own default vSwitch and resource group, named explicitly, are accepted.
    const again = await create({ vSwitchId: p0?.vSwitchId, resourceGroupId: p0?.resourceGroupId, baseImage: DEBIAN });
    assert.match(again.body?.imagePipelineId ?? '', /^ip-/);
  });
});

describe('with KILN_REGIONS', () => {
  let kiln: TestKiln;
  before(async () => {
    kiln = await startKiln({ KILN_REGIONS: 'cn-hangzhou,cn-beijing,xx-lab-1' });
  });
  after(async () => {
    await kiln?.stop();
  });

  test('DescribeRegions lists exactly the configured regions (a custom id gets itself as LocalName)', async () => {
    const r = await kiln.clients.v1.describeRegions(new $Ecs.DescribeRegionsRequest({}));
    const regions = r.body?.regions?.region ?? [];
    assert.deepEqual(regions.map((x) => x.regionId).sort(), ['cn-beijing', 'cn-hangzhou', 'xx-lab-1']);
    assert.equal(regions.find((x) => x.regionId === 'cn-beijing')?.localName, '华北2（北京）');
    const lab = regions.find((x) => x.regionId === 'xx-lab-1');
    assert.equal(lab?.localName, 'xx-lab-1');
    assert.equal(lab?.regionEndpoint, 'ecs.xx-lab-1.aliyuncs.com');
  });

  test('a region outside the list is InvalidRegionId.NotFound, as RegionId and as ToRegionId', async () => {
    const create = (over: Partial<$Ecs.CreateImagePipelineRequest>) =>
      kiln.clients.v3.createImagePipeline(new $Ecs.CreateImagePipelineRequest({ regionId: REGION, baseImageType: 'IMAGE', baseImage: BUSYBOX, ...over }));
    await expectCode(() => create({ toRegionId: ['cn-shanghai'] }), 'InvalidRegionId.NotFound', 404);
    await expectCode(() => create({ toRegionId: ['cn-beijing', 'cn-shanghai'] }), 'InvalidRegionId.NotFound', 404);
    await expectCode(() => create({ regionId: 'cn-shanghai' }), 'InvalidRegionId.NotFound', 404);
    await expectCode(() => kiln.clients.v3.describeImages(new $Ecs.DescribeImagesRequest({ regionId: 'cn-shanghai' })), 'InvalidRegionId.NotFound', 404);
    const p = await expectPopError(() => kiln.clients.pop.request('CreateImagePipeline', { RegionId: REGION, BaseImageType: 'IMAGE', BaseImage: BUSYBOX, 'ToRegionId.1': 'cn-shanghai' }, { method: 'POST' }));
    assert.equal(p.code, 'InvalidRegionId.NotFound');
    assert.equal(p.status, 404);

    // Configured regions work, the custom one included (base images and defaults exist there too).
    assert.match((await create({ toRegionId: ['cn-beijing'] })).body?.imagePipelineId ?? '', /^ip-/);
    assert.match((await create({ regionId: 'xx-lab-1', toRegionId: ['cn-hangzhou'] })).body?.imagePipelineId ?? '', /^ip-/);
    const images = await kiln.clients.v3.describeImages(new $Ecs.DescribeImagesRequest({ regionId: 'xx-lab-1' }));
    assert.deepEqual((images.body?.images?.image ?? []).map((i) => i.imageId).sort(), [BUSYBOX, DEBIAN_VM, DEBIAN]);
  });
});
