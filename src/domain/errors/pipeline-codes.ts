import { DOC, type ErrorTable } from './spec.js';

/**
 * Codes of the image templates and their executions: CreateImagePipeline's parameters,
 * DescribeImagePipelines, DeleteImagePipeline, Start/Describe/CancelImagePipelineExecution
 * (reference §2.1–2.6). The build-content codes are in `content-codes.ts`.
 */
export const PIPELINE_CODES = {
  // ---- CreateImagePipeline (§2.1) ----
  'InvalidName.Malformed': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'The Name is not 2–128 characters starting with a letter, of letters, digits, colons, underscores, periods and hyphens.' },
  'InvalidDescription.Malformed': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'A Description is not 2–256 characters, or starts with http:// or https://.' },
  'InvalidImageName.Malformed': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'An image name does not follow the ECS image name rules.' },
  'InvalidBaseImageType.NotSupportedValue': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'BaseImageType is not IMAGE, IMAGE_FAMILY or OSS.' },
  'InvalidSystemDiskSize.NotSupportedValue': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'SystemDiskSize is not an integer in the accepted GiB range.' },
  'InvalidInternetMaxBandwidthOut.NotSupportedValue': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'InternetMaxBandwidthOut is not an integer in the accepted Mbit/s range.' },
  'InvalidAddAccountSize.ExceededMaxNumber': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'Too many AddAccount values.' },
  'InvalidToRegionIdSize.ExceededMaxNumber': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'Too many ToRegionId values.' },
  NoPermission: { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'The caller may not do this to the resource (a system component cannot be deleted).' },
  'InvalidImage.OsTypeUnsupported': {
    status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'The base image or a step needs an operating system Kiln does not build (Windows).',
    execution: 'The base image, an OSS import or a step needs Windows; Kiln builds Linux images only.',
  },
  'InvalidParameter.RepairMode': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'RepairMode or a RepairItem is not one of the accepted values.' },
  'MissingParameter.RepairMode': { status: 404, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'RepairItem was given without RepairMode (documented 404).' },
  'InvalidImageFamily.Malformed': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'An ImageFamily does not follow the ECS image family rules.' },
  'InvalidParameter.NvmeSupport': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'NvmeSupport is not one of the accepted values.' },
  'InvalidImageOptions.Description': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'ImageOptions.Description is malformed.' },
  'InvalidAdvancedOptions.ImageNameSuffix': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'AdvancedOptions.ImageNameSuffix is not "disable".' },
  'ImagePipeline.NotSupportWindowsInstance': { status: 403, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'The template would build a Windows image; Kiln builds Linux images only.' },
  'InvalidResourceGroup.NotFound': { status: 404, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'The ResourceGroupId names no resource group of the account.' },
  'InvalidInstanceType.NotFound': { status: 404, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'The InstanceType is not in Kiln\'s catalog.' },
  'InvalidVSwitchId.NotFound': { status: 404, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'The VSwitchId names no vSwitch of the region.' },

  // ---- ImportImageOptions (BaseImageType=OSS) ----
  'MissingParameter.ImportImageOptions': {
    status: 404, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'BaseImageType is OSS but ImportImageOptions is absent (documented 404).',
    execution: 'The template imports from OSS but names no object for the system disk.',
  },
  'MissingParameter.ImageOptionsDiskDeviceMappings': { status: 404, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'ImportImageOptions has no DiskDeviceMappings (documented 404).' },
  'MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket': { status: 404, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'A disk mapping has no OSSBucket (documented 404).' },
  'MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSObject': { status: 404, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'A disk mapping has no OSSObject (documented 404).' },
  'InvalidImportImageOptionsDiskDeviceMappings.LengthLimitExceeded': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'Too many disk mappings.' },
  'InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'A disk mapping\'s OSSBucket is not a valid bucket name.' },
  'InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSObject': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'A disk mapping\'s OSSObject is too long or a URL.' },
  'InvalidParameter.ImportImageOptionsDiskDeviceMappingsFormat': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'A disk mapping\'s Format is not RAW, VHD or QCOW2.' },
  'InvalidOperation.DiskImageSizeExceeded': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'A disk mapping\'s DiskImageSize is not an integer from 1 to 2048 GiB.' },
  'InvalidParameter.ImportImageOptionsArchitecture': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'ImportImageOptions.Architecture is not an accepted value.' },
  'InvalidParameter.ImportImageOptionsOSType': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'ImportImageOptions.OSType is not an accepted value.' },
  'InvalidParameter.ImportImageOptionsBootMode': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'ImportImageOptions.BootMode is not an accepted value.' },
  'InvalidParameter.ImportImageOptionsPlatform': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'ImportImageOptions.Platform is not an accepted value.' },
  'InvalidParameter.ImportImageOptionsLicenseType': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'ImportImageOptions.LicenseType is not an accepted value.' },
  'InvalidParameter.ImportImageOptionsFeaturesNvmeSupport': { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'ImportImageOptions.Features.NvmeSupport is not an accepted value.' },

  // ---- DescribeImagePipelines, DeleteImagePipeline (§2.2, §2.3) ----
  'InvalidImagePipelineIdSize.ExceededMaxNumber': { status: 400, fault: 'client', doc: DOC.DESCRIBE_IMAGE_PIPELINES, meaning: 'Too many ImagePipelineId values.' },
  'InvalidImagePipeline.NotFound': {
    status: 404, fault: 'client', doc: DOC.DELETE_IMAGE_PIPELINE, meaning: 'The ImagePipelineId names no template of the account in the region.',
    execution: 'The template was deleted before its queued execution started.',
    message: (p: { id: string }) => `The specified image pipeline "${p.id}" does not exist.`,
  },
  'InvalidImagePipeline.HasRunningExecution': { status: 403, fault: 'client', doc: DOC.DELETE_IMAGE_PIPELINE, meaning: 'The template has an execution that has not ended.' },

  // ---- StartImagePipelineExecution (§2.4): OSS objects of an import ----
  'InvalidImagePipeline.OSSObjectNotAuthorized': {
    status: 403, fault: 'client', doc: DOC.START_IMAGE_PIPELINE_EXECUTION, meaning: 'The account may not read the OSS object the template names.',
    execution: 'The object store refused an OSS read or write of the build.',
  },
  'InvalidImagePipeline.OSSObjectNotFound': {
    status: 404, fault: 'client', doc: DOC.START_IMAGE_PIPELINE_EXECUTION, meaning: 'The OSS object the template names does not exist.',
    execution: 'An OSS object the build reads does not exist.',
  },

  // ---- DescribeImagePipelineExecutions (§2.5) ----
  'InvalidParameter.Status': { status: 400, fault: 'client', doc: DOC.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS, meaning: 'A Status filter value is not an execution status.' },
  'InvalidExecutionId.SizeExceeded': { status: 400, fault: 'client', doc: DOC.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS, meaning: 'Too many ExecutionId values.' },

  // ---- CancelImagePipelineExecution (§2.6) ----
  'InvalidStatus.CancelFailed': { status: 400, fault: 'client', doc: DOC.CANCEL_IMAGE_PIPELINE_EXECUTION, meaning: 'The execution has already ended.' },
  'InvalidStatus.ImagePipelineExecution': { status: 403, fault: 'client', doc: DOC.CANCEL_IMAGE_PIPELINE_EXECUTION, meaning: 'The execution is in a status that cannot be cancelled.' },
  'InvalidImagePipelineExecution.NotFound': {
    status: 404, fault: 'client', doc: DOC.CANCEL_IMAGE_PIPELINE_EXECUTION, meaning: 'The ExecutionId names no execution of the account in the region.',
    message: () => 'The specified image pipeline execution does not exist!',
  },
} as const satisfies ErrorTable;
