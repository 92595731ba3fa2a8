import { DOC, type ErrorTable } from './spec.js';

/**
 * Codes about the request itself rather than a resource: the gateway's protocol codes
 * (signature, time stamp, action, version; reference §5.4, §5.7), parameters of any operation,
 * paging, idempotence and the server's own faults.
 */
export const REQUEST_CODES = {
  // ---- protocol / gateway (§5.4, §5.7) ----
  SignatureDoesNotMatch: { status: 400, fault: 'client', doc: DOC.COMMON_PARAMETERS, meaning: 'The request signature is not the one computed from the request and the AccessKey secret.' },
  IncompleteSignature: {
    status: 400, fault: 'client', doc: DOC.COMMON_PARAMETERS, meaning: 'The signature fields of the request are missing or malformed.',
    message: (p: { detail: string }) => `The request signature does not conform to Aliyun standards. ${p.detail}`,
  },
  'InvalidTimeStamp.Expired': {
    status: 400, fault: 'client', doc: DOC.COMMON_PARAMETERS, meaning: 'The request time stamp is outside the accepted window.',
    message: () => 'Specified time stamp or date value is expired.',
  },
  'InvalidTimeStamp.Format': {
    status: 400, fault: 'client', doc: DOC.COMMON_PARAMETERS, meaning: 'The request time stamp is not an ISO 8601 UTC time.',
    message: () => 'Specified time stamp or date value is not well formatted.',
  },
  SignatureNonceUsed: {
    status: 400, fault: 'client', doc: DOC.COMMON_PARAMETERS, meaning: 'The SignatureNonce was already used by an earlier request (a replay).',
    message: () => 'Specified signature nonce was used already.',
  },
  'InvalidAccessKeyId.NotFound': {
    status: 404, fault: 'client', doc: DOC.COMMON_PARAMETERS, meaning: 'No AccessKey has this id (status inferred, §5.4).',
    message: () => 'Specified access key is not found.',
  },
  'InvalidAccessKeyId.Inactive': {
    status: 400, fault: 'client', doc: DOC.COMMON_PARAMETERS, meaning: 'The AccessKey is disabled (status not documented; the gateway\'s 400 family).',
    message: () => 'Specified access key is disabled.',
  },
  'InvalidAction.NotFound': {
    status: 404, fault: 'client', doc: DOC.COMMON_PARAMETERS, meaning: 'The Action (or the URL) names no operation Kiln serves (status inferred, §5.4).',
    message: () => 'Specified api is not found, please check your url and method.',
  },
  InvalidVersion: {
    status: 400, fault: 'client', doc: DOC.COMMON_PARAMETERS, meaning: 'The Version parameter is not 2014-05-26.',
    message: () => 'Specified parameter Version is not valid.',
  },
  'Throttling.User': { status: 400, fault: 'client', doc: DOC.ERROR_FORMAT, meaning: 'The account has used up a per-account limit of concurrent requests (log streams).' },

  // ---- parameters of any operation ----
  InvalidParameter: {
    status: 400, fault: 'client', doc: DOC.COMMON_PARAMETERS, meaning: 'A parameter has the wrong type or shape, or the request cannot be decoded.',
    message: (p: { name: string; detail?: string }) => `The specified parameter "${p.name}" is not valid${p.detail ? `: ${p.detail}` : '.'}`,
  },
  'MissingParameter.*': {
    status: 400, fault: 'client', doc: DOC.COMMON_PARAMETERS, meaning: 'A required parameter (named after the dot) is absent or empty.',
    message: (p: { name: string }) => `The input parameter "${p.name}" that is mandatory for processing this request is not supplied.`,
  },
  InvalidParameterCombination: { status: 400, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'Parameters were given together that exclude each other.' },
  'InvalidRegionId.NotFound': {
    status: 404, fault: 'client', doc: DOC.CREATE_IMAGE_PIPELINE, meaning: 'The RegionId (or a ToRegionId) is not one of this Kiln\'s regions.',
    message: (p: { param: string; regionId: string }) => `The specified ${p.param} "${p.regionId}" does not exist.`,
  },
  'InvalidParameter.PageNumber': {
    status: 400, fault: 'client', doc: DOC.DESCRIBE_IMAGES, meaning: 'PageNumber is below 1.',
    message: () => 'The specified PageNumber must be 1 or greater.',
  },
  'InvalidParameter.PageSize': {
    status: 400, fault: 'client', doc: DOC.DESCRIBE_IMAGES, meaning: 'PageSize is outside 1–100.',
    message: () => 'The specified PageSize must be from 1 to 100.',
  },
  'InvalidParameter.MaxResults': {
    status: 400, fault: 'client', doc: DOC.DESCRIBE_IMAGE_PIPELINES, meaning: 'MaxResults is outside the accepted range.',
    message: (p: { value: number; max: number }) => `The specified MaxResults ${p.value} is not valid: it must be from 1 to ${p.max}.`,
  },
  'Invalid.NextToken': {
    status: 403, fault: 'client', doc: DOC.DESCRIBE_IMAGE_PIPELINES, meaning: 'The NextToken was not issued by a previous page of this listing.',
    message: () => 'The specified NextToken is not valid.',
  },
  'InvalidParameter.ClientToken': {
    status: 400, fault: 'client', doc: DOC.IDEMPOTENCE, meaning: 'The ClientToken is longer than 64 characters or not printable ASCII.',
    message: () => 'The specified ClientToken is not valid: at most 64 printable ASCII characters.',
  },
  IdempotentParameterMismatch: {
    status: 400, fault: 'client', doc: DOC.IDEMPOTENCE, meaning: 'The ClientToken was used before with different parameters.',
    message: () => 'The request uses the same client token as a previous, but non-identical request. Do not reuse a client token with different requests, unless the requests are identical.',
  },

  // ---- server faults ----
  InternalError: {
    status: 500, fault: 'server', doc: DOC.ERROR_FORMAT, meaning: 'An unexpected error inside Kiln; the details are in the server log, never in the answer.',
    execution: 'Kiln hit an unexpected error while building; see the server log.',
    message: () => 'The request processing has failed due to some unknown error.',
  },
  ServiceUnavailable: {
    status: 503, fault: 'server', doc: DOC.ERROR_FORMAT, meaning: 'A temporary failure (a store transaction kept conflicting); the client may retry.',
    message: () => 'The request has failed due to a temporary failure of the server.',
  },
  'StartImagePipelineExecution.Failed': { status: 500, fault: 'server', doc: DOC.START_IMAGE_PIPELINE_EXECUTION, meaning: 'The execution could not be started; answered as itself, not as InternalError.' },
} as const satisfies ErrorTable;
