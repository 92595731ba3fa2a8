import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HTTP_STATUS_BY_CODE, httpStatusFor } from '../../src/api/rpc/http-status.js';
import { ERROR_REGISTRY, errorSpec } from '../../src/domain/errors/registry.js';

/** Every error code of reference §2.1–2.9, and the image operations' codes Kiln uses, with its documented HTTP status (the documentation, typed again on purpose). */
const DOCUMENTED: Record<number, string[]> = {
  400: [
    // CreateImagePipeline
    'InvalidSourceInstance.NotFound', 'InvalidName.Malformed', 'InvalidDescription.Malformed', 'InvalidImageName.Malformed',
    'InvalidBaseImageType.NotSupportedValue', 'InvalidSystemDiskSize.NotSupportedValue', 'InvalidInternetMaxBandwidthOut.NotSupportedValue',
    'InvalidAddAccountSize.ExceededMaxNumber', 'InvalidToRegionIdSize.ExceededMaxNumber',
    'InvalidBuildContent.LengthExceeded', 'InvalidImageTemplateCommandSize.ExceededMaxNumber', 'DuplicatedCommand.FROM',
    'InvalidCommandOrder.FROM', 'InvalidImageTemplateCommand.NotSupported',
    ...['RUN', 'ENV', 'WORKDIR', 'COPY', 'USER', 'FROM', 'CMD', 'ENTRYPOINT'].map((c) => `InvalidCommandContent.${c}`),
    'QuotaExceed.ImagePipeline', 'NoPermission',
    ...['LABEL', 'ENV', 'ENTRYPOINT', 'CMD', 'COPY', 'WORKDIR', 'USER', 'RUN'].map((c) => `EmptyCommandContent.${c}`),
    'NotEmptyCommandContent.RESTART', 'InvalidImage.OsTypeUnsupported',
    'InvalidParameter.BuildContent', 'InvalidParameter.TestContent', 'InvalidImageComponent.NotSupported', 'InvalidParameterCombination',
    'InvalidParameter.RepairMode', 'InvalidImageFamily.Malformed', 'InvalidImage.ImageOwnerAliasUnsupported',
    ...[
      'ImportImageOptionsArchitecture', 'ImportImageOptionsOSType', 'ImportImageOptionsBootMode', 'ImportImageOptionsPlatform',
      'ImportImageOptionsLicenseType', 'ImportImageOptionsFeaturesNvmeSupport', 'NvmeSupport', 'ImportImageOptionsDiskDeviceMappingsFormat',
    ].map((p) => `InvalidParameter.${p}`),
    'InvalidImportImageOptionsDiskDeviceMappings.LengthLimitExceeded', 'InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSObject',
    'InvalidParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket', 'InvalidOperation.DiskImageSizeExceeded',
    'InvalidImageOptions.Description', 'InvalidImageName.Duplicated', 'InvalidImage.NotSupportRepair',
    'Duplicate.TagKey', 'InvalidTagKey.Malformed', 'InvalidTagValue.Malformed', 'InvalidAdvancedOptions.ImageNameSuffix',
    // DescribeImagePipelines
    'InvalidImagePipelineIdSize.ExceededMaxNumber',
    // DescribeImagePipelineExecutions
    'InvalidParameter.Status', 'MissingParameter.ImagePipelineId', 'InvalidExecutionId.SizeExceeded',
    // CancelImagePipelineExecution
    'InvalidStatus.CancelFailed',
    // CreateImageComponent
    'InvalidCommand.Component', 'InvalidSystemType.NotSupportedValue', 'InvalidComponentType.NotSupportedValue',
    'InvalidContent.LengthExceeded', 'MissingParameter.Content', 'QuotaExceed.ImageComponent', 'InvalidParameter.Content',
    'InvalidParameter.ComponentVersion',
    // DescribeImageComponents
    'InvalidParameter.Owner', 'InvalidImageComponentIdSize.ExceededMaxNumber',
    // DescribeImages, CopyImage
    'InvalidUsage', 'InvalidImageOwnerAlias.ValueNotSupported', 'InvalidTagCount',
    'DestinationRegion.NotFound', 'IncorrectImageStatus',
    // ModifyImageAttribute
    'InvalidBootMode.NotSupport', 'InvalidLicenseType.NotSupported', 'InvalidParameter.FeaturesImdsSupport',
    // CancelTask (and DescribeTaskAttribute)
    'InvalidTaskId.NotFound',
    // ExportImage
    'InvalidImageFormat.Malformed',
  ],
  403: [
    'ImagePipeline.NotSupportWindowsInstance', 'InvalidOSSObject.NotAuthorized', 'InvalidOperation.NoPermissionCreateServiceLinkedRole',
    'InvalidOSSObject.NeedRestore', 'InvalidOperation.NoRightAccessOSS', 'InvalidOperation.OSSObjectIsImporting',
    'Invalid.NextToken', 'InvalidImagePipeline.HasRunningExecution', 'InvalidImagePipeline.OSSObjectNotAuthorized',
    'InvalidImagePipeline.OSSObjectNeedRestore', 'InvalidStatus.ImagePipelineExecution', 'InvalidComponentVersion.Exist',
    'InvalidImageComponent.InUse',
    // DeleteImage, ModifyImageSharePermission, CopyImage
    'ImageUseShared', 'InvalidParameter.IsPublic', 'CurrentRegion.NotSupportPublicImage', 'QuotaExceed.ShareImageUser',
    'OperationDenied.SameRegionOnly', 'QuotaExceed.ImageStorage', 'ImageIsImporting',
    // ModifyImageAttribute
    'ImageStatus.NotAvailable', 'ImageStatus.NotDeprecated', 'InvalidOperation.FeaturesImdsSupportNotMatch', 'InvalidStatus.ImageIsCreating',
    // CancelTask
    'InvalidTaskId.TaskActionNotSupport', 'InvalidTaskId.IncorrectTaskStatus',
    // ExportImage
    'ImageNotSupported', 'ExportImageFailed',
  ],
  404: [
    'InvalidImage.NotFound', 'InvalidResourceGroup.NotFound', 'ImageComponent.NotFound', 'InvalidInstanceType.NotFound',
    'InvalidVSwitchId.NotFound', 'InvalidRegionId.NotFound', 'InvalidImportImageOptionsDiskDeviceMappingsOSSObject.NotFound',
    'MissingParameter.RepairMode', 'MissingParameter.ImportImageOptions', 'MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSObject',
    'MissingParameter.ImportImageOptionsDiskDeviceMappingsOSSBucket', 'MissingParameter.ImageOptionsDiskDeviceMappings',
    'InvalidImagePipeline.NotFound', 'InvalidImagePipeline.BaseImageNotFound', 'InvalidImagePipeline.OSSObjectNotFound',
    'InvalidImagePipelineExecution.NotFound', 'InvalidImagePipelineExecutionId.NotFound', 'NotSupportedCommand.FROM',
    'InvalidImageComponent.NotFound',
    // DeleteImage, Modify/DescribeImageSharePermission, CopyImage
    'InvalidImageId.NotFound', 'InvalidAccount.NotFound', 'InvalidAccount.Forbbiden',
  ],
  500: ['StartImagePipelineExecution.Failed'],
};

/** Protocol codes (§5.4, §5.7) and the statuses chosen for them. */
const PROTOCOL: Record<string, number> = {
  SignatureDoesNotMatch: 400,
  IncompleteSignature: 400,
  'InvalidTimeStamp.Expired': 400,
  'InvalidTimeStamp.Format': 400,
  SignatureNonceUsed: 400,
  'InvalidAccessKeyId.NotFound': 404,
  'InvalidAccessKeyId.Inactive': 400,
  'InvalidAction.NotFound': 404,
  InvalidVersion: 400,
  InvalidParameter: 400,
  IdempotentParameterMismatch: 400,
  'Forbidden.RAM': 403,
  'Throttling.User': 400,
  InternalError: 500,
  ServiceUnavailable: 503,
};

/**
 * The console's own routes (a browser reads them, not an ECS SDK) answer with the web's
 * statuses: 401 to sign in, 403 for a refused CSRF token, 429 to slow sign-in guessing.
 */
const CONSOLE: Record<string, number> = {
  'Console.SignInFailed': 401,
  'Console.SessionRequired': 401,
  'Console.CsrfTokenInvalid': 403,
  'Throttling.SignIn': 429,
};

/**
 * Documented codes Kiln never answers with (it has no source instances, RAM, OSS restore or
 * async import, …). They are not registered; one that Kiln starts to produce must be
 * registered with its documented status (the first test then checks it).
 */
const DOCUMENTED_NOT_PRODUCED = new Set([
  'InvalidSourceInstance.NotFound', 'InvalidImage.ImageOwnerAliasUnsupported', 'InvalidImage.NotSupportRepair',
  'InvalidOSSObject.NotAuthorized', 'InvalidOperation.NoPermissionCreateServiceLinkedRole', 'InvalidOSSObject.NeedRestore',
  'InvalidOperation.NoRightAccessOSS', 'InvalidOperation.OSSObjectIsImporting', 'InvalidImportImageOptionsDiskDeviceMappingsOSSObject.NotFound',
  'InvalidImagePipeline.OSSObjectNeedRestore', 'InvalidImagePipeline.BaseImageNotFound', 'InvalidImagePipelineExecutionId.NotFound',
]);

test('every documented code Kiln produces is registered with its documented status', () => {
  for (const [status, codes] of Object.entries(DOCUMENTED)) {
    for (const code of codes) {
      if (DOCUMENTED_NOT_PRODUCED.has(code)) {
        assert.equal(errorSpec(code), undefined, `${code} is registered: take it off DOCUMENTED_NOT_PRODUCED`);
        continue;
      }
      assert.equal(errorSpec(code)?.status, Number(status), code);
      assert.equal(httpStatusFor(code, 'client'), Number(status), code);
    }
  }
});

test('protocol codes', () => {
  for (const [code, status] of Object.entries(PROTOCOL)) assert.equal(httpStatusFor(code, 'client'), status, code);
});

test('console codes', () => {
  for (const [code, status] of Object.entries(CONSOLE)) assert.equal(httpStatusFor(code, 'client'), status, code);
});

test('a registered status that the rules would not give is documented (no stray exceptions)', () => {
  const documented = new Map<string, number>([
    ...Object.entries(DOCUMENTED).flatMap(([status, codes]) => codes.map((c): [string, number] => [c, Number(status)])),
    ...Object.entries(PROTOCOL),
    ...Object.entries(CONSOLE),
  ]);
  const rule = (code: string, fault: string) => (code.endsWith('.NotFound') ? 404 : code.startsWith('Forbidden.') ? 403 : fault === 'server' ? 500 : 400);
  for (const [code, spec] of Object.entries(ERROR_REGISTRY as Record<string, { status: number; fault: string }>)) {
    // Store codes never reach the wire as themselves (the API answers InternalError).
    if (documented.has(code) || code.startsWith('Store.')) continue;
    // Kiln's quota code follows its ECS siblings (QuotaExceed.ShareImageUser: 403).
    if (code === 'QuotaExceed.ImageStorage') { assert.equal(spec.status, 403); continue; }
    assert.equal(spec.status, rule(code, spec.fault), `${code}: status ${spec.status} is neither documented nor the rule's`);
  }
});

test('the table is the registry: every registered code, no other', () => {
  const registered = Object.keys(ERROR_REGISTRY).filter((c) => !c.endsWith('.*')).sort();
  assert.deepEqual(Object.keys(HTTP_STATUS_BY_CODE).sort(), registered);
});

test('documented exceptions to the rules win over them', () => {
  assert.equal(httpStatusFor('DestinationRegion.NotFound', 'client'), 400); // .NotFound but 400
  assert.equal(httpStatusFor('MissingParameter.RepairMode', 'client'), 404); // MissingParameter but 404
  assert.equal(httpStatusFor('NotSupportedCommand.FROM', 'client'), 404);
});

test('rules for unlisted codes: .NotFound → 404, Forbidden.* → 403, else by fault', () => {
  assert.equal(httpStatusFor('InvalidSomething.NotFound', 'client'), 404);
  assert.equal(httpStatusFor('Forbidden.AccessKeyDisabled', 'client'), 403);
  assert.equal(httpStatusFor('MissingParameter.RegionId', 'client'), 400);
  assert.equal(httpStatusFor('MissingParameter.x-acs-date', 'client'), 400);
  assert.equal(httpStatusFor('Whatever', 'client'), 400);
  assert.equal(httpStatusFor('Whatever', 'server'), 500);
  assert.equal(httpStatusFor('InternalError', 'client'), 500);
});

test('prototype names are not table entries', () => {
  assert.equal(httpStatusFor('toString', 'client'), 400);
  assert.equal(httpStatusFor('__proto__', 'server'), 500);
  assert.equal(httpStatusFor('constructor', 'client'), 400);
});
