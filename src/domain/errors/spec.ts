/**
 * The shape of one entry of the error registry (`registry.ts`): what an error code means and
 * how Kiln answers with it. Every code Kiln can produce — on the wire, as an execution's
 * ErrorCode, or inside the store — has exactly one entry.
 */

/** `client` errors are the caller's to fix (4xx); `server` errors are Kiln's (5xx). */
export type Fault = 'client' | 'server';

export interface ErrorSpec {
  /**
   * The HTTP status an API answer with this code carries. `api/rpc/http-status.ts` reads it
   * from here; codes that never reach the wire (store codes, most execution codes) carry the
   * status the general rule would give them (400 for client faults, 500 for server faults).
   */
  readonly status: number;
  readonly fault: Fault;
  /** Where the code is documented: an official ECS reference page, or `Kiln` for Kiln's own codes. */
  readonly doc: string;
  /** What the code means, in one sentence. */
  readonly meaning: string;
  /**
   * Present when a build can end with this code as its execution's `ErrorCode`: when it does.
   * The codes with this field are the execution error codes listed in docs/errors.md.
   */
  readonly execution?: string;
  /**
   * The message, for a code whose message is fixed in shape: a function of typed parameters
   * (none for a fixed sentence). `fault(code, params)` builds the error from it.
   */
  readonly message?: (params: never) => string;
}

/** A part of the registry: one area's codes. */
export type ErrorTable = Readonly<Record<string, ErrorSpec>>;

const ECS_API = 'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-';

/** The official pages that document codes; `KILN` marks Kiln's own codes. */
export const DOC = {
  KILN: 'Kiln',
  /** Common parameters, signatures and their errors (reference §5.3–5.5). */
  COMMON_PARAMETERS: 'https://www.alibabacloud.com/help/en/elastic-compute-service/latest/common-parameters',
  /** Error response format and the gateway's common errors (reference §5.7). */
  ERROR_FORMAT: 'https://www.alibabacloud.com/help/doc-detail/25932.htm',
  /** ClientToken idempotence (reference §5.7). */
  IDEMPOTENCE: 'https://www.alibabacloud.com/help/doc-detail/25693.html',
  CREATE_IMAGE_PIPELINE: `${ECS_API}createimagepipeline`,
  DESCRIBE_IMAGE_PIPELINES: `${ECS_API}describeimagepipelines`,
  DELETE_IMAGE_PIPELINE: `${ECS_API}deleteimagepipeline`,
  START_IMAGE_PIPELINE_EXECUTION: `${ECS_API}startimagepipelineexecution`,
  DESCRIBE_IMAGE_PIPELINE_EXECUTIONS: `${ECS_API}describeimagepipelineexecutions`,
  CANCEL_IMAGE_PIPELINE_EXECUTION: `${ECS_API}cancelimagepipelineexecution`,
  CREATE_IMAGE_COMPONENT: `${ECS_API}createimagecomponent`,
  DESCRIBE_IMAGE_COMPONENTS: `${ECS_API}describeimagecomponents`,
  DELETE_IMAGE_COMPONENT: `${ECS_API}deleteimagecomponent`,
  DESCRIBE_IMAGES: `${ECS_API}describeimages`,
  DELETE_IMAGE: `${ECS_API}deleteimage`,
  MODIFY_IMAGE_SHARE_PERMISSION: `${ECS_API}modifyimagesharepermission`,
  DESCRIBE_IMAGE_SHARE_PERMISSION: `${ECS_API}describeimagesharepermission`,
  COPY_IMAGE: `${ECS_API}copyimage`,
  TAG_RESOURCES: `${ECS_API}tagresources`,
  UNTAG_RESOURCES: `${ECS_API}untagresources`,
  LIST_TAG_RESOURCES: `${ECS_API}listtagresources`,
  EXPORT_IMAGE: `${ECS_API}exportimage`,
  IMPORT_IMAGE: `${ECS_API}importimage`,
  MODIFY_IMAGE_ATTRIBUTE: `${ECS_API}modifyimageattribute`,
  DESCRIBE_IMAGE_FROM_FAMILY: `${ECS_API}describeimagefromfamily`,
  DESCRIBE_TASKS: `${ECS_API}describetasks`,
  DESCRIBE_TASK_ATTRIBUTE: `${ECS_API}describetaskattribute`,
  CANCEL_TASK: `${ECS_API}canceltask`,
  DESCRIBE_INSTANCE_TYPES: `${ECS_API}describeinstancetypes`,
  DESCRIBE_IMAGE_SUPPORT_INSTANCE_TYPES: `${ECS_API}describeimagesupportinstancetypes`,
  /** The build-content language ("Commands supported by Image Builder"). */
  COMMANDS: 'https://www.alibabacloud.com/help/en/ecs/user-guide/commands-supported-by-image-builder',
} as const;
