import { cancelImagePipelineExecution } from './cancel-image-pipeline-execution.js';
import { cancelTask } from './cancel-task.js';
import { copyImage } from './copy-image.js';
import { createImageComponent } from './create-image-component.js';
import { createImagePipeline } from './create-image-pipeline.js';
import { deleteImage } from './delete-image.js';
import { deleteImageComponent } from './delete-image-component.js';
import { deleteImagePipeline } from './delete-image-pipeline.js';
import { describeImageComponents } from './describe-image-components.js';
import { describeImageFromFamily } from './describe-image-from-family.js';
import { describeImagePipelineExecutions } from './describe-image-pipeline-executions.js';
import { describeImagePipelines } from './describe-image-pipelines.js';
import { describeImageSharePermission } from './describe-image-share-permission.js';
import { describeImages } from './describe-images.js';
import { describeImageSupportInstanceTypes } from './describe-image-support-instance-types.js';
import { describeInstanceTypeFamilies } from './describe-instance-type-families.js';
import { describeInstanceTypes } from './describe-instance-types.js';
import { describeRegions } from './describe-regions.js';
import { describeTaskAttribute } from './describe-task-attribute.js';
import { describeTasks } from './describe-tasks.js';
import { importImage } from './import-image.js';
import { exportImage } from './export-image.js';
import { listTagResources } from './list-tag-resources.js';
import { modifyImageAttribute } from './modify-image-attribute.js';
import { modifyImageSharePermission } from './modify-image-share-permission.js';
import { startImagePipelineExecution } from './start-image-pipeline-execution.js';
import type { Operation } from './operation.js';
import { tagResources } from './tag-resources.js';
import { untagResources } from './untag-resources.js';

/** The ECS API version every action belongs to. */
export const API_VERSION = '2014-05-26';

/** Every action Kiln answers, by name. */
export const OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  [
    createImagePipeline, describeImagePipelines, deleteImagePipeline,
    startImagePipelineExecution, describeImagePipelineExecutions, cancelImagePipelineExecution,
    createImageComponent, describeImageComponents, deleteImageComponent,
    tagResources, untagResources, listTagResources,
    describeRegions, describeImages,
    describeInstanceTypes, describeImageSupportInstanceTypes, describeInstanceTypeFamilies,
    describeImageFromFamily, deleteImage, modifyImageSharePermission, describeImageSharePermission, copyImage,
    modifyImageAttribute, importImage,
    describeTasks, describeTaskAttribute, cancelTask,
    exportImage,
  ].map((op) => [op.action, op]),
);
