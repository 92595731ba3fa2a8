import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_REGIONS } from '../../src/domain/catalog/regions.js';
import { REGION } from '../support/kiln.js';
import {
  $Ecs, BUSYBOX, BUSYBOX_FAMILY, createPipeline, describePipeline, describePipelines, expectCode, expectPopCode, imageOptions,
  importImageOptions, ossFields, pipelineRequest, pipelineTags, popPost, type DiskMapping, type PipelineFields,
} from '../support/ecs-requests.js';
import { kilnFixture } from '../support/kiln-fixture.js';
import { rejectionMessage } from './support/rejection.js';

/*
 * CreateImagePipeline's errors through the official clients against a real Kiln: parameters,
 * BuildContent and TestContent, OSS import options and the quota; every documented error code
 * comes back with its documented HTTP status.
 */

const api = kilnFixture();

/** Creation must fail with `code`/`status`; returns the error message. */
const rejects = (fields: PipelineFields, code: string, status: number): Promise<string> =>
  rejectionMessage(() => api.v3.createImagePipeline(pipelineRequest(fields)), code, status);

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
    await createPipeline(api.v3, { name: 'ab' });
    await createPipeline(api.v3, { name: `a${'b'.repeat(127)}` });
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
    await expectCode(() => api.kiln.clients.v1.createImagePipeline(pipelineRequest({ systemDiskSize: 501 })), 'InvalidSystemDiskSize.NotSupportedValue', 400);
    await expectPopCode(
      () => popPost(api.kiln.clients.pop, 'CreateImagePipeline', { BaseImageType: 'IMAGE', BaseImage: BUSYBOX, SystemDiskSize: 'abc' }),
      'InvalidSystemDiskSize.NotSupportedValue', 400,
    );
    for (const systemDiskSize of [20, 500]) {
      const id = await createPipeline(api.v3, { systemDiskSize });
      assert.equal((await describePipeline(api.v3, id)).systemDiskSize, systemDiskSize);
    }
  });

  test('InvalidInternetMaxBandwidthOut.NotSupportedValue (400): -1 and 101', async () => {
    await rejects({ internetMaxBandwidthOut: 101 }, 'InvalidInternetMaxBandwidthOut.NotSupportedValue', 400);
    await rejects({ internetMaxBandwidthOut: -1 }, 'InvalidInternetMaxBandwidthOut.NotSupportedValue', 400);
    const id = await createPipeline(api.v3, { internetMaxBandwidthOut: 100 });
    assert.equal((await describePipeline(api.v3, id)).internetMaxBandwidthOut, 100);
  });

  test('InvalidToRegionIdSize.ExceededMaxNumber (400) for 21 regions; 20 are fine', async () => {
    const regions = DEFAULT_REGIONS.map((r) => r.regionId);
    assert.ok(regions.length >= 21);
    await rejects({ toRegionId: regions.slice(0, 21) }, 'InvalidToRegionIdSize.ExceededMaxNumber', 400);
    const id = await createPipeline(api.v3, { toRegionId: regions.slice(0, 20) });
    assert.deepEqual((await describePipeline(api.v3, id)).toRegionIds?.toRegionId, regions.slice(0, 20));
  });

  test('InvalidAddAccountSize.ExceededMaxNumber (400) for 21 accounts', async () => {
    const accounts = Array.from({ length: 21 }, (_, i) => 1000000000 + i);
    await rejects({ addAccount: accounts }, 'InvalidAddAccountSize.ExceededMaxNumber', 400);
    const id = await createPipeline(api.v3, { addAccount: accounts.slice(0, 20) });
    assert.equal((await describePipeline(api.v3, id)).addAccounts?.addAccount?.length, 20);
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
    const before = (await describePipelines(api.v3, { maxResults: 500 })).totalCount;
    await rejects({ name: 'leftover', buildContent: 'COMPONENT ic-doesnotexist' }, 'ImageComponent.NotFound', 404);
    const after = await describePipelines(api.v3, { maxResults: 500, name: 'leftover' });
    assert.equal(after.totalCount, 0);
    assert.equal((await describePipelines(api.v3, { maxResults: 500 })).totalCount, before);
  });
});

describe('CreateImagePipeline: build and test content errors', () => {
  test('InvalidBuildContent.LengthExceeded (400) for more than 16 KB, via the SDK (query) and pop-core (form body)', async () => {
    const over = `RUN echo ${'x'.repeat(16 * 1024)}`;
    await rejects({ buildContent: over }, 'InvalidBuildContent.LengthExceeded', 400);
    await expectPopCode(
      () => popPost(api.kiln.clients.pop, 'CreateImagePipeline', { BaseImageType: 'IMAGE', BaseImage: BUSYBOX, BuildContent: over }),
      'InvalidBuildContent.LengthExceeded', 400,
    );
  });

  test('InvalidImageTemplateCommandSize.ExceededMaxNumber (400) for 128 RUN commands; 127 are fine', async () => {
    const runs = (n: number): string => Array.from({ length: n }, (_, i) => `RUN echo ${i}`).join('\n');
    const msg = await rejects({ buildContent: runs(128) }, 'InvalidImageTemplateCommandSize.ExceededMaxNumber', 400);
    assert.match(msg, /line 128/);
    await createPipeline(api.v3, { buildContent: runs(127) });
  });

  test('FROM: DuplicatedCommand.FROM, InvalidCommandOrder.FROM, InvalidCommandContent.FROM (400)', async () => {
    assert.match(await rejects({ buildContent: `FROM IMAGE:${BUSYBOX}\nRUN a\nFROM IMAGE:${BUSYBOX}` }, 'DuplicatedCommand.FROM', 400), /line 3/);
    assert.match(await rejects({ buildContent: `RUN a\n\nFROM IMAGE:${BUSYBOX}` }, 'InvalidCommandOrder.FROM', 400), /line 3/);
    await rejects({ buildContent: 'FROM SNAPSHOT:s-123' }, 'InvalidCommandContent.FROM', 400);
    // A leading FROM is deprecated but accepted (the source comes from BaseImageType/BaseImage).
    const id = await createPipeline(api.v3, { buildContent: `FROM IMAGE_FAMILY:${BUSYBOX_FAMILY}\nRUN echo ok` });
    assert.equal((await describePipeline(api.v3, id)).baseImage, BUSYBOX);
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
    await rejects({ buildContent: `COMPONENT acs:ecs:${REGION}:${api.kiln.credentials.accountId}:imagecomponent/nothing/1.*.*` }, 'ImageComponent.NotFound', 404);
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
    const id = await createPipeline(api.v3, { testContent: 'COMPONENT ic-system-check-file-linux --path /etc/hosts' });
    assert.equal((await describePipeline(api.v3, id)).testContent, 'COMPONENT ic-system-check-file-linux --path /etc/hosts');
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
    const id = await createPipeline(api.v3, oss({ mappings: disks(17) }));
    assert.equal((await describePipeline(api.v3, id)).importImageOptions?.diskDeviceMappings?.diskDeviceMapping?.length, 17);
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
  const small = kilnFixture({ KILN_PIPELINE_QUOTA: '2' });

  test('6 concurrent creates against a quota of 2: exactly 2 succeed, the rest are QuotaExceed.ImagePipeline', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () =>
      small.v3.createImagePipeline(pipelineRequest({ regionId: 'cn-shenzhen' })).then(
        (r) => r.body?.imagePipelineId ?? 'no id',
        (e: { code?: string }) => e.code ?? 'no code',
      )));
    assert.equal(results.filter((r) => r.startsWith('ip-')).length, 2, results.join(', '));
    assert.equal(results.filter((r) => r === 'QuotaExceed.ImagePipeline').length, 4, results.join(', '));
    assert.equal((await describePipelines(small.v3, { regionId: 'cn-shenzhen' })).totalCount, 2);
  });

  test('the third template of a region is refused (400); other regions and freed slots still work', async () => {
    const first = await createPipeline(small.v3);
    await createPipeline(small.v3);
    const e = await expectCode(() => small.v3.createImagePipeline(pipelineRequest()), 'QuotaExceed.ImagePipeline', 400);
    assert.match(e.message, /quota/i);
    assert.equal((await describePipelines(small.v3)).totalCount, 2);
    // The quota is per region.
    const beijing = await small.v3.createImagePipeline(pipelineRequest({ regionId: 'cn-beijing' }));
    assert.match(beijing.body?.imagePipelineId ?? '', /^ip-/);
    // Deleting one frees a slot.
    await small.v3.deleteImagePipeline(new $Ecs.DeleteImagePipelineRequest({ regionId: REGION, imagePipelineId: first }));
    await createPipeline(small.v3);
  });
});
