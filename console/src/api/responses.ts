/**
 * The response bodies the console reads, as the operations' presenters write them
 * (`src/api/operations/present-*.ts`). Only the fields the console uses are declared.
 */

export interface Tag {
  TagKey: string;
  TagValue: string;
}


/** One build (`ImagePipelineExecutionSet` entry, present-execution.ts). */
export type Execution = {
  ExecutionId: string;
  ImagePipelineId: string;
  ImageId?: string;
  Status: string;
  Message?: string;
  ErrorCode?: string;
  ErrorInfo?: string;
  CreationTime: string;
  ModifiedTime: string;
  ResourceGroupId?: string;
  Tags?: { Tag: Tag[] };
};

/** One image (`Images.Image[]` entry, present-image.ts). */
export type Image = {
  ImageId: string;
  ImageName: string;
  ImageFamily?: string;
  Description?: string;
  ImageOwnerAlias: string;
  ImageOwnerId?: number;
  OSType?: string;
  OSName?: string;
  OSNameEn?: string;
  Platform?: string;
  Architecture?: string;
  BootMode?: string;
  /** GiB. */
  Size?: number;
  Status: string;
  Progress?: string;
  CreationTime: string;
  IsCopied?: boolean;
  IsSelfShared?: string;
  IsPublic?: boolean;
  LicenseType?: string;
  Features?: { NvmeSupport?: string; ImdsSupport?: string };
  Tags?: { Tag: Tag[] };
};

/** One task (`TaskSet.Task[]` entry of DescribeTasks, present-task.ts). */
export type TaskSummary = {
  TaskId: string;
  TaskAction: string;
  TaskStatus: string;
  CreationTime: string;
  FinishedTime?: string;
  ResourceId?: string;
};

/** One template (`ImagePipelineSet` entry of DescribeImagePipelines, present-pipeline.ts). */
export interface ImagePipeline {
  ImagePipelineId: string;
  Name: string;
  Description?: string;
  CreationTime: string;
  BaseImageType: string;
  BaseImage?: string;
  BuildContent?: string;
  TestContent?: string;
  InstanceType?: string;
  SystemDiskSize?: number;
  InternetMaxBandwidthOut?: number;
  VSwitchId?: string;
  DeleteInstanceOnFailure?: boolean;
  ResourceGroupId?: string;
  ImageName?: string;
  ImageFamily?: string;
  NvmeSupport?: string;
  RepairMode?: string;
  RepairItems?: { RepairItem?: string[] };
  ToRegionIds?: { ToRegionId?: string[] };
  AddAccounts?: { AddAccount?: string[] };
  Tags?: { Tag?: Tag[] };
  ImageOptions?: {
    ImageName?: string;
    ImageFamily?: string;
    Description?: string;
    ImageFeatures?: { NvmeSupport?: string };
    ImageTags?: { ImageTag?: Tag[] };
  };
  ImportImageOptions?: {
    Architecture?: string;
    OSType?: string;
    Platform?: string;
    BootMode?: string;
    LicenseType?: string;
    DiskDeviceMappings?: { DiskDeviceMapping?: Array<{ OSSBucket?: string; OSSObject?: string; Format?: string; DiskImageSize?: number }> };
    Features?: { NvmeSupport?: string; ImdsSupport?: string };
    RetainImportedImage?: boolean;
    RetentionStrategy?: string;
    ImageName?: string;
    Description?: string;
    RoleName?: string;
    ImportImageTags?: { ImportImageTag?: Array<{ Key: string; Value: string }> };
  };
  AdvancedOptions?: { RetainCloudAssistant?: boolean; ImageNameSuffix?: string };
}

/** One component version (`ImageComponentSet` entry of DescribeImageComponents, present-component.ts). */
export interface ImageComponent {
  ImageComponentId: string;
  Name: string;
  Description?: string;
  SystemType: string;
  ComponentType: string;
  ComponentVersion?: string;
  Content?: string;
  /** SELF or ALIYUN (a system component). */
  Owner: string;
  ResourceGroupId?: string;
  CreationTime: string;
  Tags?: { Tag?: Tag[] };
  Parameters?: { Parameter?: Array<{ Name: string; Type: string; DefaultValue?: string }> };
}

export interface Responses {
  [action: string]: Record<string, unknown>;
  DescribeImagePipelines: { TotalCount: number; MaxResults: number; NextToken?: string; ImagePipeline: { ImagePipelineSet: ImagePipeline[] } };
  CreateImagePipeline: { ImagePipelineId: string };
  StartImagePipelineExecution: { ExecutionId: string };
  DescribeImageComponents: { TotalCount: number; MaxResults: number; NextToken?: string; ImageComponent: { ImageComponentSet: ImageComponent[] } };
  CreateImageComponent: { ImageComponentId: string };
  DescribeImagePipelineExecutions: { TotalCount: number; MaxResults: number; NextToken?: string; ImagePipelineExecution: { ImagePipelineExecutionSet: Execution[] } };
  DescribeImages: { RegionId: string; TotalCount: number; PageNumber: number; PageSize: number; Images: { Image: Image[] } };
  DescribeImageSharePermission: { ImageId: string; TotalCount: number; PageNumber: number; PageSize: number; Accounts: { Account: Array<{ AliyunId: string }> } };
  CopyImage: { ImageId: string };
  ExportImage: { TaskId: string; RegionId: string };
  DescribeTasks: { TotalCount: number; PageNumber: number; PageSize: number; TaskSet: { Task: TaskSummary[] } };
  DescribeTaskAttribute: {
    TaskId: string; TaskAction: string; TaskStatus: string; TaskProcess: string; SupportCancel: string; CreationTime: string; FinishedTime?: string;
    OperationProgressSet: { OperationProgress: Array<{ OperationStatus: string; ErrorCode: string; ErrorMsg: string; RelatedItemSet: { RelatedItem: Array<{ Name: string; Value: string }> } }> };
  };
}

/** The body of a successful call of `A` (RequestId included). */
export type ResponseOf<A extends string> = A extends keyof Responses ? Responses[A] & { RequestId: string } : Record<string, unknown>;
