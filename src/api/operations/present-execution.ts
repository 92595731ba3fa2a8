import type { Execution } from '../../domain/execution.js';
import { presentTags } from './present-tags.js';

/** One `ImagePipelineExecutionSet` entry of DescribeImagePipelineExecutions. */
export function presentExecution(e: Execution): Record<string, unknown> {
  return {
    ExecutionId: e.id,
    ImagePipelineId: e.pipelineId,
    ImageId: e.imageId,
    Status: e.status,
    Message: e.message,
    ErrorCode: e.errorCode,
    ErrorInfo: e.errorInfo,
    CreationTime: e.creationTime,
    ModifiedTime: e.modifiedTime,
    ResourceGroupId: e.resourceGroupId,
    Tags: presentTags(e.tags),
  };
}
