import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { REGION, startKiln, type EcsClient, type TestKiln } from '../support/kiln.js';
import {
  $Ecs, BUSYBOX, BUSYBOX_FAMILY, createPipeline, describePipeline, describePipelines, expectCode, expectPopCode, imageOptions,
  importImageOptions, pipelineIds, pipelineRequest, pipelineTags, popPost,
} from '../support/ecs-requests.js';

/*
 * CreateImagePipeline / DescribeImagePipelines / DeleteImagePipeline through the official
 * clients against a real Kiln: every parameter round-trips and the documented defaults are
 * applied (the errors of a create: pipelines-create-errors.test.ts).
 */

let kiln: TestKiln;
let v3: EcsClient;
/** The account's default vSwitch and resource group, read back from a first template. */
let defaultVSwitch = '';
let defaultResourceGroup = '';
const TEAM_GROUP = 'rg-kilnconformance01';

before(async () => {
  kiln = await startKiln();
  v3 = kiln.clients.v3;
  // A second resource group of the default account, so that ResourceGroupId is more than the default.
  await kiln.app.store.resourceGroups.insert({ id: TEAM_GROUP, accountId: kiln.credentials.accountId, name: 'team', isDefault: false });
});

after(async () => {
  await kiln?.stop();
});

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe('CreateImagePipeline + DescribeImagePipelines: success', () => {
  test('a minimal IMAGE template: Name defaults to the id and the documented defaults apply', async () => {
    const id = await createPipeline(v3);
    const p = await describePipeline(v3, id);
    assert.equal(p.name, id);
    assert.equal(p.baseImageType, 'IMAGE');
    assert.equal(p.baseImage, BUSYBOX);
    assert.equal(p.systemDiskSize, 40);
    assert.equal(p.internetMaxBandwidthOut, 0);
    assert.equal(p.deleteInstanceOnFailure, true);
    assert.equal(p.instanceType, 'ecs.g6.large');
    assert.match(p.creationTime ?? '', ISO_SECONDS);
    assert.ok(Math.abs(Date.parse(p.creationTime!) - Date.now()) < 24 * 3600 * 1000, 'creation time is today, in UTC');
    assert.match(p.vSwitchId ?? '', /^vsw-/);
    assert.match(p.resourceGroupId ?? '', /^rg-/);
    assert.deepEqual(p.toRegionIds?.toRegionId ?? [], []);
    assert.deepEqual(p.addAccounts?.addAccount ?? [], []);
    assert.deepEqual(p.tags?.tag ?? [], []);
    assert.equal(p.buildContent, undefined);
    assert.equal(p.testContent, undefined);
    assert.equal(p.repairMode, undefined);
    assert.equal(p.importImageOptions, undefined);
    defaultVSwitch = p.vSwitchId!;
    defaultResourceGroup = p.resourceGroupId!;
    assert.notEqual(defaultResourceGroup, TEAM_GROUP);
  });

  test('EVERY parameter is stored and returned through the SDK model', async () => {
    assert.ok(defaultVSwitch, 'needs the default vSwitch from the first test');
    const buildContent = [
      'RUN echo hello',
      'ENV GREETING="hi there" TARGET="world"',
      'WORKDIR /opt',
      'COMPONENT ic-system-create-user-linux --userName builder',
      'COPY https://example.com/app.tar.gz /opt',
      'LABEL owner="kiln" stage="test"',
      'RESTART',
      'RUN echo done && \\',
      '    echo really done',
    ].join('\n');
    const testContent = 'COMPONENT ic-system-check-network-linux\nRUN test -d /opt';
    const id = await createPipeline(v3, {
      name: 'tpl-full.v1:a_b',
      description: 'A template with every parameter',
      baseImageType: 'IMAGE',
      baseImage: BUSYBOX,
      buildContent,
      testContent,
      imageName: 'legacyPrefix',
      imageFamily: 'legacy-family',
      nvmeSupport: 'auto',
      vSwitchId: defaultVSwitch,
      instanceType: 'ecs.c7.xlarge',
      systemDiskSize: 120,
      internetMaxBandwidthOut: 10,
      deleteInstanceOnFailure: false,
      toRegionId: ['cn-beijing', 'cn-shanghai'],
      addAccount: [1234567890, 1987654321],
      tag: pipelineTags([['team', 'images'], ['empty', '']]),
      resourceGroupId: TEAM_GROUP,
      repairMode: 'Standard',
      repairItem: ['GUESTOS.CloudInit', 'GUESTOS.Fstab'],
      imageOptions: imageOptions({
        imageName: 'built-image', imageFamily: 'kiln-family', description: 'The produced image',
        nvmeSupport: 'supported', imageTags: [['os', 'busybox'], ['built-by', 'kiln']],
      }),
      advancedOptions: new $Ecs.CreateImagePipelineRequestAdvancedOptions({ imageNameSuffix: 'disable', retainCloudAssistant: true }),
    });

    const p = await describePipeline(v3, id);
    assert.equal(p.name, 'tpl-full.v1:a_b');
    assert.equal(p.description, 'A template with every parameter');
    assert.equal(p.baseImageType, 'IMAGE');
    assert.equal(p.baseImage, BUSYBOX);
    assert.equal(p.buildContent, buildContent);
    assert.equal(p.testContent, testContent);
    assert.equal(p.imageName, 'legacyPrefix');
    assert.equal(p.imageFamily, 'legacy-family');
    assert.equal(p.nvmeSupport, 'auto');
    assert.equal(p.vSwitchId, defaultVSwitch);
    assert.equal(p.instanceType, 'ecs.c7.xlarge');
    assert.equal(p.systemDiskSize, 120);
    assert.equal(p.internetMaxBandwidthOut, 10);
    assert.equal(p.deleteInstanceOnFailure, false);
    assert.deepEqual(p.toRegionIds?.toRegionId, ['cn-beijing', 'cn-shanghai']);
    // Sent as longs, returned as strings.
    assert.deepEqual(p.addAccounts?.addAccount, ['1234567890', '1987654321']);
    assert.deepEqual(
      (p.tags?.tag ?? []).map((t) => [t.tagKey, t.tagValue]).sort(),
      [['empty', ''], ['team', 'images']],
    );
    assert.equal(p.resourceGroupId, TEAM_GROUP);
    assert.equal(p.repairMode, 'Standard');
    assert.deepEqual(p.repairItems?.repairItem, ['GUESTOS.CloudInit', 'GUESTOS.Fstab']);
    assert.equal(p.imageOptions?.imageName, 'built-image');
    assert.equal(p.imageOptions?.imageFamily, 'kiln-family');
    assert.equal(p.imageOptions?.description, 'The produced image');
    assert.equal(p.imageOptions?.imageFeatures?.nvmeSupport, 'supported');
    assert.deepEqual(
      (p.imageOptions?.imageTags?.imageTag ?? []).map((t) => [t.tagKey, t.tagValue]),
      [['os', 'busybox'], ['built-by', 'kiln']],
    );
    assert.equal(p.advancedOptions?.imageNameSuffix, 'disable');
    assert.equal(p.advancedOptions?.retainCloudAssistant, true);
    assert.equal(p.importImageOptions, undefined);
    assert.match(p.creationTime ?? '', ISO_SECONDS);
  });

  test('IMAGE_FAMILY base (signed with V1): the family name is kept as BaseImage', async () => {
    const res = await kiln.clients.v1.createImagePipeline(pipelineRequest({ baseImageType: 'IMAGE_FAMILY', baseImage: BUSYBOX_FAMILY, name: 'from-family' }));
    const id = res.body!.imagePipelineId!;
    const p = await describePipeline(kiln.clients.v1, id);
    assert.equal(p.baseImageType, 'IMAGE_FAMILY');
    assert.equal(p.baseImage, BUSYBOX_FAMILY);
    assert.equal(p.name, 'from-family');
  });

  test('OSS base: ImportImageOptions with only a disk mapping gets every documented default', async () => {
    const id = await createPipeline(v3, {
      baseImageType: 'OSS',
      baseImage: undefined,
      importImageOptions: importImageOptions({ mappings: [{ bucket: 'my-images', object: 'exports/root.qcow2', format: 'QCOW2', size: 40 }] }),
    });
    const p = await describePipeline(v3, id);
    assert.equal(p.baseImageType, 'OSS');
    assert.ok(p.baseImage === undefined || p.baseImage === '', `BaseImage: ${p.baseImage}`);
    const i = p.importImageOptions;
    assert.ok(i);
    assert.equal(i.architecture, 'x86_64');
    assert.equal(i.OSType, 'linux');
    assert.equal(i.platform, 'Others Linux');
    assert.equal(i.bootMode, 'BIOS');
    assert.equal(i.licenseType, 'Auto');
    assert.equal(i.features?.nvmeSupport, 'unsupported');
    const m = i.diskDeviceMappings?.diskDeviceMapping ?? [];
    assert.equal(m.length, 1);
    assert.equal(m[0]!.OSSBucket, 'my-images');
    assert.equal(m[0]!.OSSObject, 'exports/root.qcow2');
    assert.equal(m[0]!.format, 'QCOW2');
    assert.equal(m[0]!.diskImageSize, 40);
  });

  test('OSS base: every ImportImageOptions field round-trips through the SDK models', async () => {
    const options = importImageOptions({
      architecture: 'x86_64', osType: 'linux', platform: 'Debian', bootMode: 'UEFI', licenseType: 'Aliyun', nvmeSupport: 'supported',
      mappings: [{ bucket: 'my-images', object: 'debian/root.vhd', format: 'VHD', size: 64 }],
    });
    options.features!.imdsSupport = 'v2';
    options.retainImportedImage = true;
    options.retentionStrategy = 'keep';
    options.roleName = 'ImportRole';
    options.imageName = 'imported-debian';
    options.description = 'The intermediate import';
    options.importImageTags = [new $Ecs.CreateImagePipelineRequestImportImageOptionsImportImageTags({ key: 'source', value: 'oss' })];
    const id = await createPipeline(v3, { baseImageType: 'OSS', baseImage: undefined, importImageOptions: options });
    const i = (await describePipeline(v3, id)).importImageOptions;
    assert.ok(i);
    assert.equal(i.platform, 'Debian');
    assert.equal(i.bootMode, 'UEFI');
    assert.equal(i.licenseType, 'Aliyun');
    assert.equal(i.features?.nvmeSupport, 'supported');
    assert.equal(i.features?.imdsSupport, 'v2');
    assert.equal(i.retainImportedImage, true);
    assert.equal(i.retentionStrategy, 'keep');
    assert.equal(i.roleName, 'ImportRole');
    assert.equal(i.imageName, 'imported-debian');
    assert.equal(i.description, 'The intermediate import');
    assert.deepEqual((i.importImageTags?.importImageTag ?? []).map((t) => [t.key, t.value]), [['source', 'oss']]);
  });

  test('OSS base with explicit import options and a data disk, sent by pop-core as a form body', async () => {
    const res = await popPost(kiln.clients.pop, 'CreateImagePipeline', {
      BaseImageType: 'OSS',
      'ImportImageOptions.Architecture': 'arm64',
      'ImportImageOptions.OSType': 'linux',
      'ImportImageOptions.Platform': 'Ubuntu',
      'ImportImageOptions.BootMode': 'UEFI',
      'ImportImageOptions.LicenseType': 'BYOL',
      'ImportImageOptions.Features.NvmeSupport': 'supported',
      'ImportImageOptions.DiskDeviceMappings.1.OSSBucket': 'img-bucket',
      'ImportImageOptions.DiskDeviceMappings.1.OSSObject': 'sys.raw',
      'ImportImageOptions.DiskDeviceMappings.1.Format': 'RAW',
      'ImportImageOptions.DiskDeviceMappings.1.DiskImageSize': 50,
      'ImportImageOptions.DiskDeviceMappings.2.OSSBucket': 'img-bucket',
      'ImportImageOptions.DiskDeviceMappings.2.OSSObject': 'data.vhd',
      'ImportImageOptions.DiskDeviceMappings.2.Format': 'VHD',
      'ImportImageOptions.DiskDeviceMappings.2.DiskImageSize': 2048,
    });
    const id = res.ImagePipelineId as string;
    assert.match(id, /^ip-/);
    const i = (await describePipeline(v3, id)).importImageOptions;
    assert.equal(i?.architecture, 'arm64');
    assert.equal(i?.platform, 'Ubuntu');
    assert.equal(i?.bootMode, 'UEFI');
    assert.equal(i?.licenseType, 'BYOL');
    assert.equal(i?.features?.nvmeSupport, 'supported');
    assert.deepEqual(
      (i?.diskDeviceMappings?.diskDeviceMapping ?? []).map((m) => [m.OSSBucket, m.OSSObject, m.format, m.diskImageSize]),
      [['img-bucket', 'sys.raw', 'RAW', 50], ['img-bucket', 'data.vhd', 'VHD', 2048]],
    );
  });

  test('list indexes with gaps (as OAPI leaves for skipped nulls) keep every field of every entry', async () => {
    const res = await popPost(kiln.clients.pop, 'CreateImagePipeline', {
      BaseImageType: 'OSS',
      'ImportImageOptions.DiskDeviceMappings.1.OSSBucket': 'img-bucket',
      'ImportImageOptions.DiskDeviceMappings.1.OSSObject': 'sys.raw',
      'ImportImageOptions.DiskDeviceMappings.1.DiskImageSize': 30,
      'ImportImageOptions.DiskDeviceMappings.3.OSSBucket': 'img-bucket',
      'ImportImageOptions.DiskDeviceMappings.3.OSSObject': 'data.raw',
      'ImportImageOptions.DiskDeviceMappings.3.DiskImageSize': 300,
      'ToRegionId.1': 'cn-beijing',
      'ToRegionId.4': 'cn-qingdao',
      'Tag.2.Key': 'second',
      'Tag.2.Value': 'two',
    });
    const p = await describePipeline(v3, res.ImagePipelineId as string);
    assert.deepEqual(
      (p.importImageOptions?.diskDeviceMappings?.diskDeviceMapping ?? []).map((m) => [m.OSSObject, m.diskImageSize]),
      [['sys.raw', 30], ['data.raw', 300]],
    );
    assert.deepEqual(p.toRegionIds?.toRegionId, ['cn-beijing', 'cn-qingdao']);
    assert.deepEqual((p.tags?.tag ?? []).map((t) => [t.tagKey, t.tagValue]), [['second', 'two']]);
    // A gapped entry is validated like any other.
    await expectPopCode(() => popPost(kiln.clients.pop, 'CreateImagePipeline', {
      BaseImageType: 'OSS',
      'ImportImageOptions.DiskDeviceMappings.1.OSSBucket': 'img-bucket',
      'ImportImageOptions.DiskDeviceMappings.1.OSSObject': 'sys.raw',
      'ImportImageOptions.DiskDeviceMappings.3.OSSBucket': 'img-bucket',
      'ImportImageOptions.DiskDeviceMappings.3.OSSObject': 'data.raw',
      'ImportImageOptions.DiskDeviceMappings.3.DiskImageSize': 'huge',
    }), 'InvalidOperation.DiskImageSizeExceeded', 400);
  });

  test('a 15 KB BuildContent full of blanks (over 16 KB once percent-encoded in the query) is accepted through the SDK', async () => {
    const body = `RUN ${Array.from({ length: 1500 }, (_, i) => `echo ${i % 10}`).join(' ; ').slice(0, 15 * 1024 - 4)}`;
    assert.ok(Buffer.byteLength(body) <= 16 * 1024);
    const id = await createPipeline(v3, { buildContent: body });
    assert.equal((await describePipeline(v3, id)).buildContent, body);
  });
});

describe('DeleteImagePipeline', () => {
  test('deletes, then InvalidImagePipeline.NotFound (404); MissingParameter.ImagePipelineId (400)', async () => {
    const id = await createPipeline(v3, { name: 'to-delete', tag: pipelineTags([['k', 'v']]) });
    const res = await v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: id }));
    assert.equal(res.statusCode, 200);
    assert.match(res.body?.requestId ?? '', /^[0-9A-F-]{36}$/);
    const after = await describePipelines(v3, { imagePipelineId: [id] });
    assert.equal(after.totalCount, 0);
    assert.deepEqual(pipelineIds(after), []);

    const e = await expectCode(
      () => v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: id })),
      'InvalidImagePipeline.NotFound', 404,
    );
    assert.match(e.data.Message as string, new RegExp(id));
    await expectCode(() => v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION })), 'MissingParameter.ImagePipelineId', 400);
    await expectPopCode(() => popPost(kiln.clients.pop, 'DeleteImagePipeline', { ImagePipelineId: 'ip-neverexisted' }), 'InvalidImagePipeline.NotFound', 404);
  });

  test('a template of another region is not found from this region', async () => {
    const res = await v3.createImagePipeline(pipelineRequest({ regionId: 'cn-shanghai' }));
    const id = res.body!.imagePipelineId!;
    await expectCode(
      () => v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: id })),
      'InvalidImagePipeline.NotFound', 404,
    );
    await v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: 'cn-shanghai', imagePipelineId: id }));
  });
});
