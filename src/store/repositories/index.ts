import type { Repositories } from '../../domain/ports.js';
import { componentRepository } from './components.js';
import { consoleSessionRepository } from './console-sessions.js';
import { executionLogRepository } from './execution-logs.js';
import { executionRepository } from './executions.js';
import type { RepoContext } from './context.js';
import { idempotencyRepository } from './idempotency.js';
import { imageRepository } from './images.js';
import { pipelineRepository } from './pipelines.js';
import { blobPinRepository } from './blob-pins.js';
import { stepCacheRepository } from './step-cache.js';
import { signatureNonceRepository } from './signature-nonces.js';
import { tagRepository } from './tags.js';
import { taskRepository } from './tasks.js';
import { baseImageRecordRepository, sharedSettingRepository } from './shared-host-records.js';
import { accessKeyRepository, accountRepository, resourceGroupRepository, vSwitchRepository } from './tenancy.js';

export type { RepoContext } from './context.js';

/** How each repository is made on a context (the database, or an open transaction). */
export const REPOSITORY_FACTORIES: { readonly [K in keyof Repositories]: (ctx: RepoContext) => Repositories[K] } = {
  accounts: accountRepository,
  accessKeys: accessKeyRepository,
  resourceGroups: resourceGroupRepository,
  vSwitches: vSwitchRepository,
  pipelines: pipelineRepository,
  components: componentRepository,
  tags: tagRepository,
  idempotency: idempotencyRepository,
  executions: executionRepository,
  executionLogs: executionLogRepository,
  images: imageRepository,
  stepCache: stepCacheRepository,
  blobPins: blobPinRepository,
  signatureNonces: signatureNonceRepository,
  tasks: taskRepository,
  baseImages: baseImageRecordRepository,
  settings: sharedSettingRepository,
  consoleSessions: consoleSessionRepository,
};

/** Every repository on `ctx`. */
export function createRepositories(ctx: RepoContext): Repositories {
  const out: Partial<Record<keyof Repositories, unknown>> = {};
  for (const [name, make] of Object.entries(REPOSITORY_FACTORIES) as [keyof Repositories, (c: RepoContext) => unknown][]) {
    out[name] = make(ctx);
  }
  return out as Repositories;
}
