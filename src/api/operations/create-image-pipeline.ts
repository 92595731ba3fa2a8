import { scopeFor } from '../../app/app.js';
import { createPipeline } from '../../app/pipelines.js';
import type { ImageOptions, ImportImageOptions } from '../../domain/pipeline.js';
import type { PipelineRequest } from '../../domain/pipeline-rules.js';
import type { Operation } from './operation.js';
import type { WireParams } from './wire-params.js';

function imageOptions(p: WireParams): ImageOptions | undefined {
  if (!p.has('ImageOptions')) return undefined;
  const o: ImageOptions = { imageTags: p.tags('ImageOptions.ImageTags') };
  const name = p.str('ImageOptions.ImageName');
  const family = p.str('ImageOptions.ImageFamily');
  const description = p.str('ImageOptions.Description');
  const nvme = p.str('ImageOptions.ImageFeatures.NvmeSupport');
  if (name !== undefined) o.imageName = name;
  if (family !== undefined) o.imageFamily = family;
  if (description !== undefined) o.description = description;
  if (nvme !== undefined) o.imageFeatures = { nvmeSupport: nvme };
  return o;
}

function importImageOptions(p: WireParams): PipelineRequest['importImageOptions'] {
  if (!p.has('ImportImageOptions')) return undefined;
  const at = (k: string): string | undefined => p.str(`ImportImageOptions.${k}`);
  const o: NonNullable<PipelineRequest['importImageOptions']> = {
    diskDeviceMappings: p.objects('ImportImageOptions.DiskDeviceMappings', ['OSSBucket', 'OSSObject', 'Format', 'DiskImageSize'] as const)
      .map((m) => {
        const mapping: ImportImageOptions['diskDeviceMappings'][number] = {};
        if (m.OSSBucket) mapping.ossBucket = m.OSSBucket;
        if (m.OSSObject) mapping.ossObject = m.OSSObject;
        if (m.Format) mapping.format = m.Format;
        // The entry's own value: wire indexes may have gaps, so position i is not index N.
        const size = p.intOf('ImportImageOptions.DiskDeviceMappings.N.DiskImageSize', m.DiskImageSize, 'InvalidOperation.DiskImageSizeExceeded');
        if (size !== undefined) mapping.diskImageSize = size;
        return mapping;
      }),
    importImageTags: p.tags('ImportImageOptions.ImportImageTags'),
  };
  const fields = { architecture: 'Architecture', osType: 'OSType', platform: 'Platform', bootMode: 'BootMode', licenseType: 'LicenseType',
    retentionStrategy: 'RetentionStrategy', roleName: 'RoleName', imageName: 'ImageName', description: 'Description' } as const;
  for (const [key, wire] of Object.entries(fields) as Array<[keyof typeof fields, string]>) {
    const v = at(wire);
    if (v !== undefined) o[key] = v;
  }
  const nvme = at('Features.NvmeSupport');
  const imds = at('Features.ImdsSupport');
  if (nvme !== undefined || imds !== undefined) {
    o.features = { nvmeSupport: nvme ?? 'unsupported', ...(imds !== undefined ? { imdsSupport: imds } : {}) };
  }
  const retain = p.bool('ImportImageOptions.RetainImportedImage');
  if (retain !== undefined) o.retainImportedImage = retain;
  return o;
}

/** Reads CreateImagePipeline's parameters into the domain request (absent fields stay absent). */
export function readPipelineRequest(p: WireParams): PipelineRequest {
  const req: PipelineRequest = {
    toRegionIds: p.list('ToRegionId'),
    addAccounts: p.list('AddAccount'),
    tags: p.tags('Tag'),
    repairItems: p.list('RepairItem'),
  };
  const strings = {
    name: 'Name', description: 'Description', baseImageType: 'BaseImageType', baseImage: 'BaseImage', buildContent: 'BuildContent',
    testContent: 'TestContent', imageName: 'ImageName', imageFamily: 'ImageFamily', nvmeSupport: 'NvmeSupport', vSwitchId: 'VSwitchId',
    instanceType: 'InstanceType', resourceGroupId: 'ResourceGroupId', repairMode: 'RepairMode',
  } as const;
  for (const [key, wire] of Object.entries(strings) as Array<[keyof typeof strings, string]>) {
    const v = p.str(wire);
    if (v !== undefined) req[key] = v;
  }
  const disk = p.int('SystemDiskSize', 'InvalidSystemDiskSize.NotSupportedValue');
  const bandwidth = p.int('InternetMaxBandwidthOut', 'InvalidInternetMaxBandwidthOut.NotSupportedValue');
  const deleteOnFailure = p.bool('DeleteInstanceOnFailure');
  if (disk !== undefined) req.systemDiskSize = disk;
  if (bandwidth !== undefined) req.internetMaxBandwidthOut = bandwidth;
  if (deleteOnFailure !== undefined) req.deleteInstanceOnFailure = deleteOnFailure;
  const io = imageOptions(p);
  const iio = importImageOptions(p);
  if (io) req.imageOptions = io;
  if (iio) req.importImageOptions = iio;
  if (p.has('AdvancedOptions')) {
    const suffix = p.str('AdvancedOptions.ImageNameSuffix');
    const retain = p.bool('AdvancedOptions.RetainCloudAssistant');
    req.advancedOptions = { ...(suffix !== undefined ? { imageNameSuffix: suffix } : {}), ...(retain !== undefined ? { retainCloudAssistant: retain } : {}) };
  }
  return req;
}

export const createImagePipeline: Operation = {
  action: 'CreateImagePipeline',
  async handle({ app, accountId, params }) {
    const scope = scopeFor(app, accountId, params.str('RegionId'));
    const { imagePipelineId } = await createPipeline(app, scope, readPipelineRequest(params), params.str('ClientToken'));
    return { ImagePipelineId: imagePipelineId };
  },
};
