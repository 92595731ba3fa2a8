import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_REGIONS } from '../../src/domain/catalog/regions.js';
import { REGION, startKiln, type EcsClient, type TestKiln } from '../support/kiln.js';
import {
  $Ecs, BUSYBOX, BUSYBOX_FAMILY, createPipeline, describePipeline, describePipelines, expectCode, expectPopCode,
  imageOptions, importImageOptions, ossFields, pipelineIds, pipelineRequest, pipelineTags, popPost, type DiskMapping, type PipelineFields,
} from '../support/ecs-requests.js';

/*
 * CreateImagePipeline / DescribeImagePipelines / DeleteImagePipeline through the official
 * clients against a real Kiln: every parameter round-trips, defaults are applied, and every
 * documented error code comes back with its documented HTTP status.
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

/** Creation must fail with `code`/`status`; returns the error message. */
async function rejects(fields: PipelineFields, code: string, status: number): Promise<string> {
  const e = await expectCode(() => v3.createImagePipeline(pipelineRequest(fields)), code, status);
  return e.data.Message as string;
}

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

describe('CreateImagePipeline: parameter errors', () => {
  test('MissingParameter.BaseImageType (400)', async () => {
    await rejects({ baseImageType: undefined }, 'MissingParameter.BaseImageType', 400);
  });

  test('InvalidBaseImageType.NotSupportedValue (400)', async () => {
    await rejects({ baseImageType: 'SNAPSHOT' }, 'InvalidBaseImageType.NotSupportedValue', 400);
  });

  test('InvalidName.Malformed (400): too short, starts with a digit, http:// prefix, 129 chars', async () => {
    for (const name of ['a', '1template', 'http://template', 'x'.repeat(129)]) {
      await rejects({ name }, 'InvalidName.Malformed', 400);
    }
    // The boundaries just inside are fine.
    await createPipeline(v3, { name: 'ab' });
    await createPipeline(v3, { name: `a${'b'.repeat(127)}` });
  });

  test('InvalidDescription.Malformed (400): 1 char, 257 chars, https:// prefix', async () => {
    for (const description of ['x', 'd'.repeat(257), 'https://example.com/about']) {
      await rejects({ description }, 'InvalidDescription.Malformed', 400);
    }
  });

  test('InvalidImageName.Malformed (400): deprecated ImageName and ImageOptions.ImageName', async () => {
    for (const imageName of ['1image', 'i', 'n'.repeat(65)]) {
      await rejects({ imageName }, 'InvalidImageName.Malformed', 400);
    }
    await rejects({ imageOptions: imageOptions({ imageName: '_bad' }) }, 'InvalidImageName.Malformed', 400);
  });

  test('InvalidImageFamily.Malformed (400)', async () => {
    for (const imageFamily of ['aliyun-family', 'acs:family', '9family', 'fam.with.dots']) {
      await rejects({ imageFamily }, 'InvalidImageFamily.Malformed', 400);
    }
    await rejects({ imageOptions: imageOptions({ imageFamily: 'acs:mine' }) }, 'InvalidImageFamily.Malformed', 400);
  });

  test('InvalidSystemDiskSize.NotSupportedValue (400): 19, 501, and "abc" (pop-core)', async () => {
    await rejects({ systemDiskSize: 19 }, 'InvalidSystemDiskSize.NotSupportedValue', 400);
    await expectCode(() => kiln.clients.v1.createImagePipeline(pipelineRequest({ systemDiskSize: 501 })), 'InvalidSystemDiskSize.NotSupportedValue', 400);
    await expectPopCode(
      () => popPost(kiln.clients.pop, 'CreateImagePipeline', { BaseImageType: 'IMAGE', BaseImage: BUSYBOX, SystemDiskSize: 'abc' }),
      'InvalidSystemDiskSize.NotSupportedValue', 400,
    );
    for (const systemDiskSize of [20, 500]) {
      const id = await createPipeline(v3, { systemDiskSize });
      assert.equal((await describePipeline(v3, id)).systemDiskSize, systemDiskSize);
    }
  });

  test('InvalidInternetMaxBandwidthOut.NotSupportedValue (400): -1 and 101', async () => {
    await rejects({ internetMaxBandwidthOut: 101 }, 'InvalidInternetMaxBandwidthOut.NotSupportedValue', 400);
    await rejects({ internetMaxBandwidthOut: -1 }, 'InvalidInternetMaxBandwidthOut.NotSupportedValue', 400);
    const id = await createPipeline(v3, { internetMaxBandwidthOut: 100 });
    assert.equal((await describePipeline(v3, id)).internetMaxBandwidthOut, 100);
  });

  test('InvalidToRegionIdSize.ExceededMaxNumber (400) for 21 regions; 20 are fine', async () => {
    const regions = DEFAULT_REGIONS.map((r) => r.regionId);
    assert.ok(regions.length >= 21);
    await rejects({ toRegionId: regions.slice(0, 21) }, 'InvalidToRegionIdSize.ExceededMaxNumber', 400);
    const id = await createPipeline(v3, { toRegionId: regions.slice(0, 20) });
    assert.deepEqual((await describePipeline(v3, id)).toRegionIds?.toRegionId, regions.slice(0, 20));
  });

  test('InvalidAddAccountSize.ExceededMaxNumber (400) for 21 accounts', async () => {
    const accounts = Array.from({ length: 21 }, (_, i) => 1000000000 + i);
    await rejects({ addAccount: accounts }, 'InvalidAddAccountSize.ExceededMaxNumber', 400);
    const id = await createPipeline(v3, { addAccount: accounts.slice(0, 20) });
    assert.equal((await describePipeline(v3, id)).addAccounts?.addAccount?.length, 20);
  });

  test('InvalidRegionId.NotFound (404) for an unknown ToRegionId', async () => {
    const msg = await rejects({ toRegionId: ['cn-hangzhou', 'mars-north-1'] }, 'InvalidRegionId.NotFound', 404);
    assert.match(msg, /mars-north-1/);
  });

  test('InvalidTagKey.Malformed (400): aliyun prefix, acs: prefix, empty key, URL', async () => {
    for (const key of ['aliyunTeam', 'acs:team', '', 'see http://x', 'k'.repeat(129)]) {
      await rejects({ tag: pipelineTags([['ok', 'v'], [key, 'v']]) }, 'InvalidTagKey.Malformed', 400);
    }
    await rejects({ imageOptions: imageOptions({ imageTags: [['aliyun', 'x']] }) }, 'InvalidTagKey.Malformed', 400);
  });

  test('InvalidTagValue.Malformed (400): acs: prefix, URL, 129 chars', async () => {
    for (const value of ['acs:value', 'https://example.com', 'v'.repeat(129)]) {
      await rejects({ tag: pipelineTags([['k', value]]) }, 'InvalidTagValue.Malformed', 400);
    }
  });

  test('Duplicate.TagKey (400)', async () => {
    await rejects({ tag: pipelineTags([['k', '1'], ['other', ''], ['k', '2']]) }, 'Duplicate.TagKey', 400);
  });

  test('InvalidParameter.RepairMode (400) and MissingParameter.RepairMode (404, as documented)', async () => {
    await rejects({ repairMode: 'Deluxe' }, 'InvalidParameter.RepairMode', 400);
    await rejects({ repairItem: ['GUESTOS.Dhcp'] }, 'MissingParameter.RepairMode', 404);
  });

  test('InvalidAdvancedOptions.ImageNameSuffix (400)', async () => {
    await rejects(
      { advancedOptions: new $Ecs.CreateImagePipelineRequestAdvancedOptions({ imageNameSuffix: 'enable' }) },
      'InvalidAdvancedOptions.ImageNameSuffix', 400,
    );
  });

  test('InvalidParameter.NvmeSupport (400): top level and ImageOptions.ImageFeatures', async () => {
    await rejects({ nvmeSupport: 'maybe' }, 'InvalidParameter.NvmeSupport', 400);
    await rejects({ imageOptions: imageOptions({ nvmeSupport: 'Supported' }) }, 'InvalidParameter.NvmeSupport', 400);
  });

  test('InvalidImageOptions.Description (400)', async () => {
    await rejects({ imageOptions: imageOptions({ description: 'x' }) }, 'InvalidImageOptions.Description', 400);
    await rejects({ imageOptions: imageOptions({ description: 'http://example.com' }) }, 'InvalidImageOptions.Description', 400);
  });

  test('lookups: InvalidImage.NotFound, InvalidVSwitchId.NotFound, InvalidInstanceType.NotFound, InvalidResourceGroup.NotFound (404)', async () => {
    await rejects({ baseImage: 'm-doesnotexist' }, 'InvalidImage.NotFound', 404);
    await rejects({ baseImageType: 'IMAGE_FAMILY', baseImage: 'no-such-family' }, 'InvalidImage.NotFound', 404);
    await rejects({ vSwitchId: 'vsw-doesnotexist' }, 'InvalidVSwitchId.NotFound', 404);
    await rejects({ instanceType: 'ecs.nope.large' }, 'InvalidInstanceType.NotFound', 404);
    const e = await rejects({ resourceGroupId: 'rg-doesnotexist' }, 'InvalidResourceGroup.NotFound', 404);
    assert.equal(e, 'The ResourceGroup provided does not exist in our records.');
  });

  test('a rejected create leaves nothing behind', async () => {
    const before = (await describePipelines(v3, { maxResults: 500 })).totalCount;
    await rejects({ name: 'leftover', buildContent: 'COMPONENT ic-doesnotexist' }, 'ImageComponent.NotFound', 404);
    const after = await describePipelines(v3, { maxResults: 500, name: 'leftover' });
    assert.equal(after.totalCount, 0);
    assert.equal((await describePipelines(v3, { maxResults: 500 })).totalCount, before);
  });
});

describe('CreateImagePipeline: build and test content errors', () => {
  test('InvalidBuildContent.LengthExceeded (400) for more than 16 KB, via the SDK (query) and pop-core (form body)', async () => {
    const over = `RUN echo ${'x'.repeat(16 * 1024)}`;
    await rejects({ buildContent: over }, 'InvalidBuildContent.LengthExceeded', 400);
    await expectPopCode(
      () => popPost(kiln.clients.pop, 'CreateImagePipeline', { BaseImageType: 'IMAGE', BaseImage: BUSYBOX, BuildContent: over }),
      'InvalidBuildContent.LengthExceeded', 400,
    );
  });

  test('InvalidImageTemplateCommandSize.ExceededMaxNumber (400) for 128 RUN commands; 127 are fine', async () => {
    const runs = (n: number): string => Array.from({ length: n }, (_, i) => `RUN echo ${i}`).join('\n');
    const msg = await rejects({ buildContent: runs(128) }, 'InvalidImageTemplateCommandSize.ExceededMaxNumber', 400);
    assert.match(msg, /line 128/);
    await createPipeline(v3, { buildContent: runs(127) });
  });

  test('FROM: DuplicatedCommand.FROM, InvalidCommandOrder.FROM, InvalidCommandContent.FROM (400)', async () => {
    assert.match(await rejects({ buildContent: `FROM IMAGE:${BUSYBOX}\nRUN a\nFROM IMAGE:${BUSYBOX}` }, 'DuplicatedCommand.FROM', 400), /line 3/);
    assert.match(await rejects({ buildContent: `RUN a\n\nFROM IMAGE:${BUSYBOX}` }, 'InvalidCommandOrder.FROM', 400), /line 3/);
    await rejects({ buildContent: 'FROM SNAPSHOT:s-123' }, 'InvalidCommandContent.FROM', 400);
    // A leading FROM is deprecated but accepted (the source comes from BaseImageType/BaseImage).
    const id = await createPipeline(v3, { buildContent: `FROM IMAGE_FAMILY:${BUSYBOX_FAMILY}\nRUN echo ok` });
    assert.equal((await describePipeline(v3, id)).baseImage, BUSYBOX);
  });

  test('InvalidImageTemplateCommand.NotSupported (400) for ADD, naming the line', async () => {
    const msg = await rejects({ buildContent: 'RUN a\nRUN b\nADD app.tar.gz /opt' }, 'InvalidImageTemplateCommand.NotSupported', 400);
    assert.match(msg, /line 3/);
    assert.match(msg, /ADD/);
  });

  const invalidContent: Array<[string, string]> = [
    ['COPY a b c', 'InvalidCommandContent.COPY'],
    ['COPY https://example.com/x?y=1 /opt', 'InvalidCommandContent.COPY'],
    ['USER two words', 'InvalidCommandContent.USER'],
    ['WORKDIR /a /b', 'InvalidCommandContent.WORKDIR'],
    ["ENV 1BAD='x'", 'InvalidCommandContent.ENV'],
    ['CMD ["broken"', 'InvalidCommandContent.CMD'],
    ['ENTRYPOINT ["sh", 1]', 'InvalidCommandContent.ENTRYPOINT'],
    ['RUN echo \u0007bell', 'InvalidCommandContent.RUN'],
  ];
  for (const [command, code] of invalidContent) {
    test(`${code} (400) for \`${command.replace(/[\u0000-\u001f]/g, '?')}\` on line 3`, async () => {
      const msg = await rejects({ buildContent: `RUN echo one\n# a comment\n${command}\nRUN echo four` }, code, 400);
      assert.match(msg, /^line 3: /);
    });
  }

  const emptyContent = ['RUN', 'ENV', 'LABEL', 'COPY', 'USER', 'WORKDIR', 'CMD', 'ENTRYPOINT'];
  for (const keyword of emptyContent) {
    test(`EmptyCommandContent.${keyword} (400)`, async () => {
      const msg = await rejects({ buildContent: `RUN echo first\n${keyword}` }, `EmptyCommandContent.${keyword}`, 400);
      assert.match(msg, /line 2/);
    });
  }

  test('NotEmptyCommandContent.RESTART (400)', async () => {
    assert.match(await rejects({ buildContent: 'RESTART\nRESTART now' }, 'NotEmptyCommandContent.RESTART', 400), /line 2/);
  });

  test('ImageComponent.NotFound (404) by id and by ARN', async () => {
    assert.match(await rejects({ buildContent: 'RUN a\nCOMPONENT ic-doesnotexist' }, 'ImageComponent.NotFound', 404), /line 2/);
    await rejects({ buildContent: `COMPONENT acs:ecs:${REGION}:${kiln.credentials.accountId}:imagecomponent/nothing/1.*.*` }, 'ImageComponent.NotFound', 404);
  });

  test('InvalidImageComponent.NotSupported (400): a Test component in BuildContent, a Build component in TestContent', async () => {
    assert.match(
      await rejects({ buildContent: 'RUN a\nRUN b\nCOMPONENT ic-system-check-network-linux' }, 'InvalidImageComponent.NotSupported', 400),
      /line 3/,
    );
    await rejects({ testContent: 'COMPONENT ic-system-update-os-linux' }, 'InvalidImageComponent.NotSupported', 400);
  });

  test('InvalidParameter.TestContent (400): an undeclared component parameter, a missing required one', async () => {
    await rejects({ testContent: 'COMPONENT ic-system-check-file-linux --path /etc/hosts --colour red' }, 'InvalidParameter.TestContent', 400);
    await rejects({ testContent: 'COMPONENT ic-system-check-file-linux' }, 'InvalidParameter.TestContent', 400);
    const id = await createPipeline(v3, { testContent: 'COMPONENT ic-system-check-file-linux --path /etc/hosts' });
    assert.equal((await describePipeline(v3, id)).testContent, 'COMPONENT ic-system-check-file-linux --path /etc/hosts');
  });

  test('InvalidParameter.BuildContent (400) for a malformed COMPONENT line', async () => {
    assert.match(await rejects({ buildContent: 'RUN a\nCOMPONENT --x 1' }, 'InvalidParameter.BuildContent', 400), /line 2/);
  });
});

describe('CreateImagePipeline: OSS import errors', () => {
  const oss = (o: Parameters<typeof importImageOptions>[0]): PipelineFields => ossFields(o);
  const disk: DiskMapping = { bucket: 'bucket-1', object: 'root.raw', format: 'RAW', size: 20 };

  const enumErrors: Array<[string, Parameters<typeof importImageOptions>[0]]> = [
    ['InvalidParameter.ImportImageOptionsArchitecture', { architecture: 'i386' }],
    ['InvalidParameter.ImportImageOptionsOSType', { osType: 'macos' }],
    ['InvalidParameter.ImportImageOptionsBootMode', { bootMode: 'LEGACY' }],
    ['InvalidParameter.ImportImageOptionsPlatform', { platform: 'Windows 95' }],
    ['InvalidParameter.ImportImageOptionsLicenseType', { licenseType: 'Free' }],
    ['InvalidParameter.ImportImageOptionsFeaturesNvmeSupport', { nvmeSupport: 'auto' }],
    ['InvalidParameter.ImportImageOptionsDiskDeviceMappingsFormat', { mappings: [{ ...disk, format: 'VMDK' }] }],
    ['InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket', { mappings: [{ ...disk, bucket: '-bad-bucket' }] }],
    ['InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket', { mappings: [{ ...disk, bucket: 'Upper_Case' }] }],
    ['InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSObject', { mappings: [{ ...disk, object: 'https://bucket/x.raw' }] }],
  ];
  for (const [code, o] of enumErrors) {
    test(`${code} (400) for ${JSON.stringify(o)}`, async () => {
      const msg = await rejects(oss(o), code, 400);
      if (code !== 'InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket' && code !== 'InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSObject') {
        assert.match(msg, /The correct value should be in \[/);
      }
    });
  }

  test('MissingParameter.ImportImageOptions (404) for OSS without ImportImageOptions', async () => {
    await rejects({ baseImageType: 'OSS', baseImage: undefined }, 'MissingParameter.ImportImageOptions', 404);
  });

  test('MissingParameter.ImageOptionsDiskDeviceMappings (404) for ImportImageOptions without a disk', async () => {
    await rejects({ baseImageType: 'OSS', baseImage: undefined, importImageOptions: importImageOptions({ architecture: 'x86_64' }) },
      'MissingParameter.ImageOptionsDiskDeviceMappings', 404);
  });

  test('MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket / OSSObject (404)', async () => {
    await rejects(oss({ mappings: [{ object: 'root.raw' }] }), 'MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket', 404);
    await rejects(oss({ mappings: [disk, { bucket: 'bucket-1', size: 10 }] }), 'MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSObject', 404);
  });

  test('InvalidImportImageOptionsDiskDeviceMappings.LengthLimitExceeded (400) for 18 disks; 17 are fine', async () => {
    const disks = (n: number): DiskMapping[] => Array.from({ length: n }, (_, i) => ({ bucket: 'bucket-1', object: `disk-${i}.raw`, size: 10 }));
    await rejects(oss({ mappings: disks(18) }), 'InvalidImportImageOptionsDiskDeviceMappings.LengthLimitExceeded', 400);
    const id = await createPipeline(v3, oss({ mappings: disks(17) }));
    assert.equal((await describePipeline(v3, id)).importImageOptions?.diskDeviceMappings?.diskDeviceMapping?.length, 17);
  });

  test('InvalidOperation.DiskImageSizeExceeded (400) for 0 and 2049 GiB', async () => {
    await rejects(oss({ mappings: [{ ...disk, size: 0 }] }), 'InvalidOperation.DiskImageSizeExceeded', 400);
    await rejects(oss({ mappings: [{ ...disk, size: 2049 }] }), 'InvalidOperation.DiskImageSizeExceeded', 400);
  });

  test('InvalidParameterCombination (400): ImportImageOptions with BaseImageType IMAGE', async () => {
    await rejects({ importImageOptions: importImageOptions({ mappings: [disk] }) }, 'InvalidParameterCombination', 400);
  });

  test('ImagePipeline.NotSupportWindowsInstance (403) for a Windows OSS import', async () => {
    await rejects(oss({ osType: 'windows' }), 'ImagePipeline.NotSupportWindowsInstance', 403);
  });
});

describe('QuotaExceed.ImagePipeline', () => {
  let small: TestKiln;
  before(async () => {
    small = await startKiln({ KILN_PIPELINE_QUOTA: '2' });
  });
  after(async () => {
    await small?.stop();
  });

  test('6 concurrent creates against a quota of 2: exactly 2 succeed, the rest are QuotaExceed.ImagePipeline', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () =>
      small.clients.v3.createImagePipeline(pipelineRequest({ regionId: 'cn-shenzhen' })).then(
        (r) => r.body?.imagePipelineId ?? 'no id',
        (e: { code?: string }) => e.code ?? 'no code',
      )));
    assert.equal(results.filter((r) => r.startsWith('ip-')).length, 2, results.join(', '));
    assert.equal(results.filter((r) => r === 'QuotaExceed.ImagePipeline').length, 4, results.join(', '));
    assert.equal((await describePipelines(small.clients.v3, { regionId: 'cn-shenzhen' })).totalCount, 2);
  });

  test('the third template of a region is refused (400); other regions and freed slots still work', async () => {
    const first = await createPipeline(small.clients.v3);
    await createPipeline(small.clients.v3);
    const e = await expectCode(() => small.clients.v3.createImagePipeline(pipelineRequest()), 'QuotaExceed.ImagePipeline', 400);
    assert.match(e.message, /quota/i);
    assert.equal((await describePipelines(small.clients.v3)).totalCount, 2);
    // The quota is per region.
    const beijing = await small.clients.v3.createImagePipeline(pipelineRequest({ regionId: 'cn-beijing' }));
    assert.match(beijing.body?.imagePipelineId ?? '', /^ip-/);
    // Deleting one frees a slot.
    await small.clients.v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: first }));
    await createPipeline(small.clients.v3);
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
