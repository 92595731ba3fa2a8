// Generated from the operation specs (src/api/operations/) by src/api/operations/spec/console-types.ts; do not edit.
// Regenerate: npm run docs

/** Every action the console can call (`POST /console/api/call`). */
export type ActionName =
  | 'CancelImagePipelineExecution'
  | 'CancelTask'
  | 'CopyImage'
  | 'CreateImageComponent'
  | 'CreateImagePipeline'
  | 'DeleteImage'
  | 'DeleteImageComponent'
  | 'DeleteImagePipeline'
  | 'DescribeImageComponents'
  | 'DescribeImageFromFamily'
  | 'DescribeImagePipelineExecutions'
  | 'DescribeImagePipelines'
  | 'DescribeImages'
  | 'DescribeImageSharePermission'
  | 'DescribeImageSupportInstanceTypes'
  | 'DescribeInstanceTypeFamilies'
  | 'DescribeInstanceTypes'
  | 'DescribeRegions'
  | 'DescribeTaskAttribute'
  | 'DescribeTasks'
  | 'ExportImage'
  | 'ImportImage'
  | 'ListTagResources'
  | 'ModifyImageAttribute'
  | 'ModifyImageSharePermission'
  | 'StartImagePipelineExecution'
  | 'TagResources'
  | 'UntagResources';

/** Each action's parameters by flat wire name, as the RPC endpoint reads them. */
export interface OperationParams {
  CancelImagePipelineExecution: {
    RegionId: string;
    ExecutionId: string;
  };
  CancelTask: {
    RegionId: string;
    TaskId: string;
  };
  CopyImage: {
    RegionId: string;
    Encrypted?: boolean | string;
    ImageId: string;
    [k: `Tag.${number}.Key`]: string;
    [k: `Tag.${number}.Value`]: string;
    DestinationRegionId?: string;
    DestinationImageName?: string;
    DestinationDescription?: string;
    ClientToken?: string;
  };
  CreateImageComponent: {
    RegionId: string;
    Name?: string;
    Description?: string;
    SystemType?: 'Linux' | 'Windows';
    ComponentType?: 'Build' | 'Test';
    ComponentVersion?: string;
    Content: string;
    [k: `Tag.${number}.Key`]: string;
    [k: `Tag.${number}.Value`]: string;
    ResourceGroupId?: string;
    ClientToken?: string;
  };
  CreateImagePipeline: {
    RegionId: string;
    BaseImageType: 'IMAGE' | 'IMAGE_FAMILY' | 'OSS';
    BaseImage?: string;
    Name?: string;
    Description?: string;
    ImageName?: string;
    ImageFamily?: string;
    NvmeSupport?: 'supported' | 'unsupported' | 'auto';
    SystemDiskSize?: number | string;
    InternetMaxBandwidthOut?: number | string;
    [k: `ToRegionId.${number}`]: string;
    [k: `AddAccount.${number}`]: string;
    [k: `Tag.${number}.Key`]: string;
    [k: `Tag.${number}.Value`]: string;
    RepairMode?: 'Standard';
    [k: `RepairItem.${number}`]: 'GUESTOS.CloudInit' | 'GUESTOS.Dhcp' | 'GUESTOS.Virtio' | 'GUESTOS.OnlineResizeFS' | 'GUESTOS.Grub' | 'GUESTOS.Fstab' | 'GUESTOS.Update' | 'GUESTOS.Hotfix' | 'GUESTOS.Server';
    [k: `ImageOptions.ImageTags.${number}.Key`]: string;
    [k: `ImageOptions.ImageTags.${number}.Value`]: string;
    'ImageOptions.ImageName'?: string;
    'ImageOptions.ImageFamily'?: string;
    'ImageOptions.Description'?: string;
    'ImageOptions.ImageFeatures.NvmeSupport'?: 'supported' | 'unsupported' | 'auto';
    'AdvancedOptions.ImageNameSuffix'?: 'disable';
    'AdvancedOptions.RetainCloudAssistant'?: boolean | string;
    [k: `ImportImageOptions.DiskDeviceMappings.${number}.OSSBucket`]: string;
    [k: `ImportImageOptions.DiskDeviceMappings.${number}.OSSObject`]: string;
    [k: `ImportImageOptions.DiskDeviceMappings.${number}.Format`]: 'RAW' | 'VHD' | 'QCOW2';
    [k: `ImportImageOptions.DiskDeviceMappings.${number}.DiskImageSize`]: number | string;
    [k: `ImportImageOptions.ImportImageTags.${number}.Key`]: string;
    [k: `ImportImageOptions.ImportImageTags.${number}.Value`]: string;
    'ImportImageOptions.Architecture'?: 'x86_64' | 'arm64';
    'ImportImageOptions.OSType'?: 'linux' | 'windows';
    'ImportImageOptions.Platform'?: 'Aliyun' | 'Anolis' | 'CentOS' | 'Ubuntu' | 'CoreOS' | 'SUSE' | 'Debian' | 'OpenSUSE' | 'FreeBSD' | 'RedHat' | 'Kylin' | 'UOS' | 'Fedora' | 'Fedora CoreOS' | 'CentOS Stream' | 'AlmaLinux' | 'Rocky Linux' | 'Gentoo' | 'Customized Linux' | 'Others Linux' | 'Windows Server 2022' | 'Windows Server 2019' | 'Windows Server 2016' | 'Windows Server 2012' | 'Windows Server 2008' | 'Windows Server 2003' | 'Other Windows';
    'ImportImageOptions.BootMode'?: 'BIOS' | 'UEFI';
    'ImportImageOptions.LicenseType'?: 'Auto' | 'Aliyun' | 'BYOL';
    'ImportImageOptions.RetentionStrategy'?: string;
    'ImportImageOptions.RoleName'?: string;
    'ImportImageOptions.ImageName'?: string;
    'ImportImageOptions.Description'?: string;
    'ImportImageOptions.Features.NvmeSupport'?: 'supported' | 'unsupported';
    'ImportImageOptions.Features.ImdsSupport'?: string;
    'ImportImageOptions.RetainImportedImage'?: boolean | string;
    BuildContent?: string;
    TestContent?: string;
    VSwitchId?: string;
    InstanceType?: string;
    ResourceGroupId?: string;
    DeleteInstanceOnFailure?: boolean | string;
    ClientToken?: string;
  };
  DeleteImage: {
    RegionId: string;
    ImageId: string;
    Force?: boolean | string;
  };
  DeleteImageComponent: {
    RegionId: string;
    ImageComponentId: string;
  };
  DeleteImagePipeline: {
    RegionId: string;
    ImagePipelineId: string;
  };
  DescribeImageComponents: {
    RegionId: string;
    [k: `ImageComponentId.${number}`]: string;
    Owner?: 'SELF' | 'ALIYUN';
    Name?: string;
    ComponentType?: 'Build' | 'Test';
    SystemType?: 'Linux' | 'Windows';
    ComponentVersion?: string;
    ResourceGroupId?: string;
    [k: `Tag.${number}.Key`]: string;
    [k: `Tag.${number}.Value`]: string;
    MaxResults?: number | string;
    NextToken?: string;
  };
  DescribeImageFromFamily: {
    RegionId: string;
    ImageFamily: string;
  };
  DescribeImagePipelineExecutions: {
    RegionId: string;
    ImagePipelineId?: string;
    ExecutionId?: string;
    Status?: string;
    [k: `Tag.${number}.Key`]: string;
    [k: `Tag.${number}.Value`]: string;
    MaxResults?: number | string;
    NextToken?: string;
  };
  DescribeImagePipelines: {
    RegionId: string;
    [k: `ImagePipelineId.${number}`]: string;
    Name?: string;
    ResourceGroupId?: string;
    [k: `Tag.${number}.Key`]: string;
    [k: `Tag.${number}.Value`]: string;
    MaxResults?: number | string;
    NextToken?: string;
  };
  DescribeImages: {
    RegionId: string;
    [k: `Tag.${number}.Key`]: string;
    [k: `Tag.${number}.Value`]: string;
    ShowExpired?: boolean | string;
    PageNumber?: number | string;
    PageSize?: number | string;
    ImageId?: string;
    [k: `ImageId.${number}`]: string;
    ImageOwnerAlias?: string;
    [k: `ImageOwnerAlias.${number}`]: 'system' | 'self' | 'others' | 'marketplace';
    Status?: string;
    [k: `Status.${number}`]: string;
    [k: `Filter.${number}.Key`]: string;
    [k: `Filter.${number}.Value`]: string;
    ImageName?: string;
    ImageFamily?: string;
    OSType?: string;
    Architecture?: string;
    ImageOwnerId?: string;
    Usage?: 'instance' | 'none';
    SnapshotId?: string;
    IsPublic?: boolean | string;
    IsSupportCloudinit?: boolean | string;
    IsSupportIoOptimized?: boolean | string;
  };
  DescribeImageSharePermission: {
    RegionId: string;
    ImageId: string;
    PageNumber?: number | string;
    PageSize?: number | string;
  };
  DescribeImageSupportInstanceTypes: {
    RegionId: string;
    ImageId?: string;
    ActionType?: 'CreateEcs' | 'ChangeOS' | 'Upgrade' | 'Downgrade' | 'RenewDowngrade';
    [k: `Filter.${number}.Key`]: string;
    [k: `Filter.${number}.Value`]: string;
  };
  DescribeInstanceTypeFamilies: {
    RegionId: string;
    Generation?: string;
  };
  DescribeInstanceTypes: {
    [k: `InstanceTypes.${number}`]: string;
    InstanceTypeFamily?: string;
    [k: `InstanceTypeFamilies.${number}`]: string;
    CpuArchitecture?: 'X86' | 'ARM';
    [k: `CpuArchitectures.${number}`]: 'X86' | 'ARM';
    InstanceCategory?: string;
    [k: `InstanceCategories.${number}`]: string;
    InstanceFamilyLevel?: 'EntryLevel' | 'EnterpriseLevel' | 'CreditEntryLevel';
    MinimumCpuCoreCount?: number | string;
    MaximumCpuCoreCount?: number | string;
    MinimumMemorySize?: string;
    MaximumMemorySize?: string;
    MinimumEniQuantity?: number | string;
    NvmeSupport?: 'required' | 'unsupported';
    GPUSpec?: string;
    [k: `GpuSpecs.${number}`]: string;
    MinimumGPUAmount?: number | string;
    LocalStorageCategory?: string;
    [k: `LocalStorageCategories.${number}`]: string;
    MinimumLocalStorageAmount?: number | string;
    PhysicalProcessorModel?: string;
    MaxResults?: number | string;
    NextToken?: string;
  };
  DescribeRegions: {
    AcceptLanguage?: string;
  };
  DescribeTaskAttribute: {
    RegionId: string;
    TaskId: string;
  };
  DescribeTasks: {
    RegionId: string;
    TaskAction?: string;
    TaskIds?: string;
    TaskStatus?: string;
    StartTime?: string;
    EndTime?: string;
    [k: `ResourceIds.${number}`]: string;
    TaskGroupId?: string;
    PageNumber?: number | string;
    PageSize?: number | string;
  };
  ExportImage: {
    RegionId: string;
    ImageId: string;
    OSSBucket: string;
    OSSPrefix?: string;
    ImageFormat?: 'raw' | 'vhd' | 'qcow2' | 'vmdk' | 'vdi';
    RoleName?: string;
    DryRun?: boolean | string;
  };
  ImportImage: {
    RegionId: string;
    [k: `DiskDeviceMapping.${number}.OSSBucket`]: string;
    [k: `DiskDeviceMapping.${number}.OSSObject`]: string;
    [k: `DiskDeviceMapping.${number}.Format`]: string;
    [k: `DiskDeviceMapping.${number}.DiskImageSize`]: number | string;
    [k: `DiskDeviceMapping.${number}.DiskImSize`]: number | string;
    [k: `DiskDeviceMapping.${number}.Device`]: string;
    ImageName?: string;
    Description?: string;
    Architecture?: 'x86_64' | 'arm64';
    OSType?: 'linux' | 'windows';
    Platform?: 'Aliyun' | 'Anolis' | 'CentOS' | 'Ubuntu' | 'CoreOS' | 'SUSE' | 'Debian' | 'OpenSUSE' | 'FreeBSD' | 'RedHat' | 'Kylin' | 'UOS' | 'Fedora' | 'Fedora CoreOS' | 'CentOS Stream' | 'AlmaLinux' | 'Rocky Linux' | 'Gentoo' | 'Customized Linux' | 'Others Linux' | 'Windows Server 2022' | 'Windows Server 2019' | 'Windows Server 2016' | 'Windows Server 2012' | 'Windows Server 2008' | 'Windows Server 2003' | 'Other Windows';
    BootMode?: 'BIOS' | 'UEFI' | 'UEFI-Preferred';
    LicenseType?: 'Auto' | 'Aliyun' | 'BYOL';
    'Features.NvmeSupport'?: 'supported' | 'unsupported';
    'Features.ImdsSupport'?: 'v1' | 'v2';
    RoleName?: string;
    [k: `Tag.${number}.Key`]: string;
    [k: `Tag.${number}.Value`]: string;
    DryRun?: boolean | string;
    ResourceGroupId?: string;
    DetectionStrategy?: string;
    StorageLocationArn?: string;
    ClientToken?: string;
  };
  ListTagResources: {
    RegionId: string;
    ResourceType: 'imagepipeline' | 'imagecomponent' | 'image';
    [k: `ResourceId.${number}`]: string;
    [k: `Tag.${number}.Key`]: string;
    [k: `Tag.${number}.Value`]: string;
    NextToken?: string;
  };
  ModifyImageAttribute: {
    RegionId: string;
    ImageId: string;
    ImageName?: string;
    Description?: string;
    ImageFamily?: string;
    Status?: 'Available' | 'Deprecated';
    BootMode?: 'BIOS' | 'UEFI' | 'UEFI-Preferred';
    LicenseType?: 'BYOL';
    'Features.NvmeSupport'?: 'supported' | 'unsupported';
    'Features.ImdsSupport'?: 'v1' | 'v2';
  };
  ModifyImageSharePermission: {
    RegionId: string;
    ImageId: string;
    [k: `AddAccount.${number}`]: string;
    [k: `RemoveAccount.${number}`]: string;
    IsPublic?: boolean | string;
  };
  StartImagePipelineExecution: {
    RegionId: string;
    ImagePipelineId: string;
    [k: `Tag.${number}.Key`]: string;
    [k: `Tag.${number}.Value`]: string;
    [k: `TemplateTag.${number}.Key`]: string;
    [k: `TemplateTag.${number}.Value`]: string;
    ClientToken?: string;
  };
  TagResources: {
    RegionId: string;
    ResourceType: 'imagepipeline' | 'imagecomponent' | 'image';
    [k: `ResourceId.${number}`]: string;
    [k: `Tag.${number}.Key`]: string;
    [k: `Tag.${number}.Value`]: string;
  };
  UntagResources: {
    RegionId: string;
    ResourceType: 'imagepipeline' | 'imagecomponent' | 'image';
    [k: `ResourceId.${number}`]: string;
    [k: `TagKey.${number}`]: string;
    All?: boolean | string;
  };
}

/** The parameters of `A`. */
export type ParamsOf<A extends ActionName> = OperationParams[A];
