import type { Repositories } from '../../domain/ports.js';
import { componentRepository } from './components.js';
import { executionLogRepository } from './execution-logs.js';
import { executionRepository } from './executions.js';
import type { RepoContext } from './context.js';
import { idempotencyRepository } from './idempotency.js';
import { imageRepository } from './images.js';
import { pipelineRepository } from './pipelines.js';
import { tagRepository } from './tags.js';
import { accessKeyRepository, accountRepository, resourceGroupRepository, vSwitchRepository } from './tenancy.js';

export type { RepoContext } from './context.js';

export function createRepositories(ctx: RepoContext): Repositories {
  return {
    accounts: accountRepository(ctx),
    accessKeys: accessKeyRepository(ctx),
    resourceGroups: resourceGroupRepository(ctx),
    vSwitches: vSwitchRepository(ctx),
    pipelines: pipelineRepository(ctx),
    components: componentRepository(ctx),
    tags: tagRepository(ctx),
    idempotency: idempotencyRepository(ctx),
    executions: executionRepository(ctx),
    executionLogs: executionLogRepository(ctx),
    images: imageRepository(ctx),
  };
}
