import type { ImagePipeline } from '../../domain/pipeline.js';
import { presentTags } from './present-tags.js';

/** One `ImagePipelineSet` entry of DescribeImagePipelines, with the documented wrappers. */
export function presentPipeline(p: ImagePipeline): Record<string, unknown> {
  const o = p.imageOptions;
  const i = p.importImageOptions;
  return {
    ImagePipelineId: p.id,
    Name: p.name,
    Description: p.description,
    CreationTime: p.creationTime,
    BaseImageType: p.baseImageType,
    BaseImage: p.baseImage,
    BuildContent: p.buildContent,
    TestContent: p.testContent,
    InstanceType: p.instanceType,
    SystemDiskSize: p.systemDiskSize,
    InternetMaxBandwidthOut: p.internetMaxBandwidthOut,
    VSwitchId: p.vSwitchId,
    DeleteInstanceOnFailure: p.deleteInstanceOnFailure,
    ResourceGroupId: p.resourceGroupId,
    ImageName: p.imageName ?? o?.imageName,
    ImageFamily: p.imageFamily ?? o?.imageFamily,
    NvmeSupport: p.nvmeSupport ?? o?.imageFeatures?.nvmeSupport,
    RepairMode: p.repairMode,
    RepairItems: { RepairItem: p.repairItems },
    ToRegionIds: { ToRegionId: p.toRegionIds },
    AddAccounts: { AddAccount: p.addAccounts },
    Tags: presentTags(p.tags),
    ImageOptions: o && {
      ImageName: o.imageName,
      ImageFamily: o.imageFamily,
      Description: o.description,
      ImageFeatures: o.imageFeatures && { NvmeSupport: o.imageFeatures.nvmeSupport },
      ImageTags: { ImageTag: o.imageTags.map((t) => ({ TagKey: t.key, TagValue: t.value })) },
    },
    ImportImageOptions: i && {
      Architecture: i.architecture,
      OSType: i.osType,
      Platform: i.platform,
      BootMode: i.bootMode,
      LicenseType: i.licenseType,
      DiskDeviceMappings: {
        DiskDeviceMapping: i.diskDeviceMappings.map((m) => ({
          OSSBucket: m.ossBucket, OSSObject: m.ossObject, Format: m.format, DiskImageSize: m.diskImageSize,
        })),
      },
      Features: { NvmeSupport: i.features.nvmeSupport, ImdsSupport: i.features.imdsSupport },
      RetainImportedImage: i.retainImportedImage,
      RetentionStrategy: i.retentionStrategy,
      ImageName: i.imageName,
      Description: i.description,
      RoleName: i.roleName,
      ImportImageTags: { ImportImageTag: i.importImageTags.map((t) => ({ Key: t.key, Value: t.value })) },
    },
    AdvancedOptions: p.advancedOptions && {
      RetainCloudAssistant: p.advancedOptions.retainCloudAssistant,
      ImageNameSuffix: p.advancedOptions.imageNameSuffix,
    },
  };
}
