import type { Fault } from '../../domain/errors.js';

/**
 * THE table from error code to HTTP status. Every documented code of the nine Image Builder
 * operations (reference §2.1–2.9), and the image codes Kiln answers with, is listed with its
 * documented status, even where the rules
 * below would give the same answer, so a test can check the table against the documentation.
 * Protocol codes (§5.4, §5.7) follow the observed or inferred gateway statuses.
 */
export const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = Object.freeze({
  // ---- protocol / gateway (§5.4, §5.7) ----
  SignatureDoesNotMatch: 400,
  IncompleteSignature: 400,
  'InvalidTimeStamp.Expired': 400,
  'InvalidTimeStamp.Format': 400,
  SignatureNonceUsed: 400,
  'InvalidAccessKeyId.NotFound': 404, // inferred (§5.4)
  'InvalidAccessKeyId.Inactive': 400, // not documented; the gateway's 400 family
  'InvalidAction.NotFound': 404, // inferred (§5.4)
  InvalidVersion: 400,
  InvalidParameter: 400,
  MissingParameter: 400,
  IdempotentParameterMismatch: 400, // Alibaba Cloud product docs list it as 400
  'Forbidden.RAM': 403,
  Forbidden: 403,
  Throttling: 400,
  'Throttling.User': 400,
  'Throttling.Api': 400,
  InternalError: 500,
  ServiceUnavailable: 503,

  // ---- CreateImagePipeline (§2.1) ----
  'InvalidSourceInstance.NotFound': 400, // documented 400 despite the suffix
  'InvalidName.Malformed': 400,
  'InvalidDescription.Malformed': 400,
  'InvalidImageName.Malformed': 400,
  'InvalidBaseImageType.NotSupportedValue': 400,
  'InvalidSystemDiskSize.NotSupportedValue': 400,
  'InvalidInternetMaxBandwidthOut.NotSupportedValue': 400,
  'InvalidAddAccountSize.ExceededMaxNumber': 400,
  'InvalidToRegionIdSize.ExceededMaxNumber': 400,
  'InvalidBuildContent.LengthExceeded': 400,
  'InvalidImageTemplateCommandSize.ExceededMaxNumber': 400,
  'DuplicatedCommand.FROM': 400,
  'InvalidCommandOrder.FROM': 400,
  'InvalidImageTemplateCommand.NotSupported': 400,
  'InvalidCommandContent.RUN': 400,
  'InvalidCommandContent.ENV': 400,
  'InvalidCommandContent.WORKDIR': 400,
  'InvalidCommandContent.COPY': 400,
  'InvalidCommandContent.USER': 400,
  'InvalidCommandContent.FROM': 400,
  'InvalidCommandContent.CMD': 400,
  'InvalidCommandContent.ENTRYPOINT': 400,
  'QuotaExceed.ImagePipeline': 400,
  NoPermission: 400, // documented 400
  'EmptyCommandContent.LABEL': 400,
  'EmptyCommandContent.ENV': 400,
  'EmptyCommandContent.ENTRYPOINT': 400,
  'EmptyCommandContent.CMD': 400,
  'EmptyCommandContent.COPY': 400,
  'EmptyCommandContent.WORKDIR': 400,
  'EmptyCommandContent.USER': 400,
  'EmptyCommandContent.RUN': 400,
  'NotEmptyCommandContent.RESTART': 400,
  'InvalidImage.OsTypeUnsupported': 400,
  'InvalidParameter.BuildContent': 400,
  'InvalidParameter.TestContent': 400,
  'InvalidImageComponent.NotSupported': 400,
  InvalidParameterCombination: 400,
  'InvalidParameter.RepairMode': 400,
  'InvalidImageFamily.Malformed': 400,
  'InvalidImage.ImageOwnerAliasUnsupported': 400,
  'InvalidParameter.ImportImageOptionsArchitecture': 400,
  'InvalidParameter.ImportImageOptionsOSType': 400,
  'InvalidParameter.ImportImageOptionsBootMode': 400,
  'InvalidParameter.ImportImageOptionsPlatform': 400,
  'InvalidParameter.ImportImageOptionsLicenseType': 400,
  'InvalidParameter.ImportImageOptionsFeaturesNvmeSupport': 400,
  'InvalidParameter.NvmeSupport': 400,
  'InvalidParameter.ImportImageOptionsDiskDeviceMappingsFormat': 400,
  'InvalidImportImageOptionsDiskDeviceMappings.LengthLimitExceeded': 400,
  'InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSObject': 400,
  'InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket': 400,
  'InvalidOperation.DiskImageSizeExceeded': 400,
  'InvalidImageOptions.Description': 400,
  'InvalidImageName.Duplicated': 400,
  'InvalidImage.NotSupportRepair': 400,
  'Duplicate.TagKey': 400,
  'InvalidTagKey.Malformed': 400,
  'InvalidTagValue.Malformed': 400,
  'InvalidAdvancedOptions.ImageNameSuffix': 400,
  'ImagePipeline.NotSupportWindowsInstance': 403,
  'InvalidOSSObject.NotAuthorized': 403,
  'InvalidOperation.NoPermissionCreateServiceLinkedRole': 403,
  'InvalidOSSObject.NeedRestore': 403,
  'InvalidOperation.NoRightAccessOSS': 403,
  'InvalidOperation.OSSObjectIsImporting': 403,
  'InvalidImage.NotFound': 404,
  'InvalidResourceGroup.NotFound': 404,
  'ImageComponent.NotFound': 404,
  'InvalidInstanceType.NotFound': 404,
  'InvalidVSwitchId.NotFound': 404,
  'InvalidRegionId.NotFound': 404,
  'InvalidImportImageOptionsDiskDeviceMappingsOSSObject.NotFound': 404,
  'MissingParameter.RepairMode': 404, // documented 404
  'MissingParameter.ImportImageOptions': 404, // documented 404
  'MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSObject': 404, // documented 404
  'MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket': 404, // documented 404
  'MissingParameter.ImageOptionsDiskDeviceMappings': 404, // documented 404

  // ---- DescribeImagePipelines (§2.2) ----
  'InvalidImagePipelineIdSize.ExceededMaxNumber': 400,
  'Invalid.NextToken': 403,

  // ---- DeleteImagePipeline (§2.3) ----
  'InvalidImagePipeline.HasRunningExecution': 403,
  'InvalidImagePipeline.NotFound': 404,

  // ---- StartImagePipelineExecution (§2.4) ----
  'InvalidImagePipeline.OSSObjectNotAuthorized': 403,
  'InvalidImagePipeline.OSSObjectNeedRestore': 403,
  'InvalidImagePipeline.BaseImageNotFound': 404,
  'InvalidImagePipeline.OSSObjectNotFound': 404,
  'StartImagePipelineExecution.Failed': 500,

  // ---- DescribeImagePipelineExecutions (§2.5) ----
  'InvalidParameter.Status': 400,
  'MissingParameter.ImagePipelineId': 400,
  'InvalidExecutionId.SizeExceeded': 400,

  // ---- CancelImagePipelineExecution (§2.6) ----
  'InvalidStatus.CancelFailed': 400,
  'InvalidStatus.ImagePipelineExecution': 403,
  'InvalidImagePipelineExecution.NotFound': 404,
  'InvalidImagePipelineExecutionId.NotFound': 404,

  // ---- CreateImageComponent (§2.7) ----
  'InvalidCommand.Component': 400,
  'InvalidSystemType.NotSupportedValue': 400,
  'InvalidComponentType.NotSupportedValue': 400,
  'InvalidContent.LengthExceeded': 400,
  'MissingParameter.Content': 400,
  'QuotaExceed.ImageComponent': 400,
  'InvalidParameter.Content': 400,
  'InvalidParameter.ComponentVersion': 400,
  'InvalidComponentVersion.Exist': 403,
  'NotSupportedCommand.FROM': 404, // documented 404

  // ---- DescribeImageComponents (§2.8) ----
  'InvalidParameter.Owner': 400,
  'InvalidImageComponentIdSize.ExceededMaxNumber': 400,

  // ---- DeleteImageComponent (§2.9) ----
  'InvalidImageComponent.InUse': 403,
  'InvalidImageComponent.NotFound': 404,

  // ---- account images: DescribeImages, DeleteImage, Modify/DescribeImageSharePermission, CopyImage ----
  InvalidUsage: 400,
  'InvalidImageOwnerAlias.ValueNotSupported': 400,
  InvalidTagCount: 400,
  ImageUseShared: 403,
  'InvalidImageId.NotFound': 404,
  'InvalidParameter.IsPublic': 403,
  'CurrentRegion.NotSupportPublicImage': 403,
  'QuotaExceed.ShareImageUser': 403,
  'InvalidAccount.NotFound': 404,
  'InvalidAccount.Forbbiden': 404, // sic: the documented spelling
  'DestinationRegion.NotFound': 400, // documented 400 despite the suffix
  IncorrectImageStatus: 400,
  'OperationDenied.SameRegionOnly': 403,
  // Kiln's per-account image storage quota (CopyImage of an image the caller does not hold yet;
  // builds report it as their ErrorCode). ECS has no byte quota; 403 as its other QuotaExceed.* image codes.
  'QuotaExceed.ImageStorage': 403,
});

/**
 * The HTTP status for an error code: the explicit table entry; else 404 for a `.NotFound`
 * suffix and 403 for a `Forbidden.` prefix; else 400 for client faults and 500 for server faults.
 */
export function httpStatusFor(code: string, fault: Fault): number {
  if (Object.hasOwn(HTTP_STATUS_BY_CODE, code)) return HTTP_STATUS_BY_CODE[code] as number;
  if (code.endsWith('.NotFound')) return 404;
  if (code.startsWith('Forbidden.')) return 403;
  return fault === 'server' ? 500 : 400;
}
