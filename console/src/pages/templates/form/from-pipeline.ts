import type { ImagePipeline, Tag } from '../../../api/responses';
import type { TagPair } from '../../../components/tag-editor';
import { emptyForm, type TemplateForm } from './form-state';

/*
 * A new template's form filled from an existing one ("Duplicate"): templates are immutable,
 * so changing one is creating its successor from it.
 */

const pairs = (tags: readonly Tag[] | undefined): TagPair[] => (tags ?? []).map((t) => ({ key: t.TagKey, value: t.TagValue }));

function text(v: string | number | boolean | undefined): string {
  return v === undefined || v === null ? '' : String(v);
}

export function formFromPipeline(p: ImagePipeline): TemplateForm {
  const f = emptyForm();
  const o = p.ImageOptions;
  const i = p.ImportImageOptions;
  const fields: Record<string, string> = {
    ...f.fields,
    BaseImageType: p.BaseImageType,
    BaseImage: text(p.BaseImage),
    Name: '',
    Description: text(p.Description),
    BuildContent: text(p.BuildContent),
    TestContent: text(p.TestContent),
    InstanceType: text(p.InstanceType),
    SystemDiskSize: text(p.SystemDiskSize),
    InternetMaxBandwidthOut: text(p.InternetMaxBandwidthOut),
    VSwitchId: text(p.VSwitchId),
    ResourceGroupId: text(p.ResourceGroupId),
    DeleteInstanceOnFailure: text(p.DeleteInstanceOnFailure),
    RepairMode: text(p.RepairMode),
    'ImageOptions.ImageName': text(o?.ImageName ?? p.ImageName),
    'ImageOptions.ImageFamily': text(o?.ImageFamily ?? p.ImageFamily),
    'ImageOptions.Description': text(o?.Description),
    'ImageOptions.ImageFeatures.NvmeSupport': text(o?.ImageFeatures?.NvmeSupport ?? p.NvmeSupport),
    'AdvancedOptions.ImageNameSuffix': text(p.AdvancedOptions?.ImageNameSuffix),
    'AdvancedOptions.RetainCloudAssistant': text(p.AdvancedOptions?.RetainCloudAssistant),
  };
  if (i) {
    Object.assign(fields, {
      'ImportImageOptions.Architecture': text(i.Architecture),
      'ImportImageOptions.OSType': text(i.OSType),
      'ImportImageOptions.Platform': text(i.Platform),
      'ImportImageOptions.BootMode': text(i.BootMode),
      'ImportImageOptions.LicenseType': text(i.LicenseType),
      'ImportImageOptions.RetentionStrategy': text(i.RetentionStrategy),
      'ImportImageOptions.RoleName': text(i.RoleName),
      'ImportImageOptions.ImageName': text(i.ImageName),
      'ImportImageOptions.Description': text(i.Description),
      'ImportImageOptions.Features.NvmeSupport': text(i.Features?.NvmeSupport),
      'ImportImageOptions.Features.ImdsSupport': text(i.Features?.ImdsSupport),
      'ImportImageOptions.RetainImportedImage': text(i.RetainImportedImage),
    });
  }
  const disks = (i?.DiskDeviceMappings?.DiskDeviceMapping ?? []).map((d) => ({
    OSSBucket: text(d.OSSBucket), OSSObject: text(d.OSSObject), Format: text(d.Format), DiskImageSize: text(d.DiskImageSize),
  }));
  return {
    fields,
    tags: pairs(p.Tags?.Tag),
    imageTags: pairs(o?.ImageTags?.ImageTag),
    importTags: (i?.ImportImageTags?.ImportImageTag ?? []).map((t) => ({ key: t.Key, value: t.Value })),
    regions: p.ToRegionIds?.ToRegionId ?? [],
    accounts: p.AddAccounts?.AddAccount ?? [],
    repairItems: p.RepairItems?.RepairItem ?? [],
    disks: disks.length ? disks : f.disks,
  };
}
