import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them (one schema for SQLite and PostgreSQL; see
 * `migrations/0001_initial.ts`). Booleans are integer 0/1 columns in both databases and
 * timestamps are ECS time strings, so no value needs a per-dialect conversion.
 *
 * `seq` is the store-assigned, only-growing number used for keyset paging. Small tables
 * (accounts, keys, groups, vSwitches) use a global seq primary key (SQLite: INTEGER PRIMARY
 * KEY AUTOINCREMENT; PostgreSQL: bigint identity). Tenant tables number rows per scope
 * through `scope_counters` (see `migrations/0001_initial.ts` for why). PostgreSQL int8 values
 * are read as numbers.
 */
export interface AccountsTable {
  seq: Generated<number>;
  id: string;
  name: string;
  creation_time: string;
}

export interface AccessKeysTable {
  seq: Generated<number>;
  id: string;
  secret: string;
  account_id: string;
  status: string;
  creation_time: string;
}

export interface ResourceGroupsTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  name: string;
  is_default: number;
}

export interface VSwitchesTable {
  seq: Generated<number>;
  id: string;
  account_id: string;
  region_id: string;
  zone_id: string;
  cidr_block: string;
  is_default: number;
}

export interface PipelinesTable {
  id: string;
  account_id: string;
  region_id: string;
  /** Numbered per scope by scope_counters. */
  seq: number;
  name: string;
  resource_group_id: string;
  creation_time: string;
  /** The whole template (but its tags): a versioned record (`records/pipeline-record.ts`); the other columns are copies of its fields. */
  spec: string;
}

export interface PipelineComponentRefsTable {
  pipeline_id: string;
  component_id: string;
}

export interface ComponentsTable {
  id: string;
  account_id: string;
  region_id: string;
  /** Numbered per scope by scope_counters. */
  seq: number;
  name: string;
  version: string;
  major: number;
  minor: number;
  patch: number;
  component_type: string;
  system_type: string;
  owner: string;
  resource_group_id: string | null;
  creation_time: string;
  /** The whole component (but its tags): a versioned record (`records/component-record.ts`); the other columns are copies of its fields. */
  spec: string;
}

export interface TagsTable {
  resource_type: string;
  resource_id: string;
  tag_key: string;
  tag_value: string;
  account_id: string;
  region_id: string;
  /** Numbered per (scope, resource type) by scope_counters; an overwritten value keeps its seq. */
  seq: number;
}

export interface IdempotencyTable {
  account_id: string;
  action: string;
  client_token: string;
  params_digest: string;
  response: string;
  created_at: string;
}

/** Per-scope sequence numbers and row counts (kinds: imagepipeline, imagecomponent, <type>.tag). */
export interface ScopeCountersTable {
  kind: string;
  account_id: string;
  region_id: string;
  last_seq: number;
  row_count: number;
}

/** Executions, which are also the build queue (see migrations/0002_executions.ts). */
export interface ExecutionsTable {
  id: string;
  account_id: string;
  region_id: string;
  /** Numbered per scope by scope_counters. */
  seq: number;
  pipeline_id: string;
  status: string;
  /** 1 until the status is terminal. */
  active: number;
  message: string;
  error_code: string | null;
  error_info: string | null;
  image_id: string | null;
  resource_group_id: string;
  creation_time: string;
  modified_time: string;
  /** Epoch ms; claims take the oldest first. */
  queued_at: number;
  lease_owner: string | null;
  /** Epoch ms. */
  lease_expires_at: number | null;
  attempt: number;
  /** Epoch ms of the last claim (see migrations/0006_fair_queue.ts). */
  claimed_at: number | null;
  /** The host disk the claimed build's SystemDiskSize was admitted on, and that size. */
  disk_pool: string | null;
  disk_gib: number | null;
  /** Claims that went to other builds on a host disk while this one waited there for room (see migrations/0008_disk_hold.ts). */
  disk_passed_over: Generated<number>;
}

/** When each account last had an execution claimed (the fair queue's tie-break). */
export interface QueueAccountsTable {
  account_id: string;
  last_claimed_at: number;
}

export interface ExecutionTagsTable {
  execution_id: string;
  position: number;
  tag_key: string;
  tag_value: string;
}

export interface ExecutionLogsTable {
  execution_id: string;
  seq: number;
  stream: string;
  text: string;
  time: string;
}

/** Account images (see migrations/0003_images.ts); `spec` is the whole image, a versioned record (`records/image-record.ts`); the other columns are copies of its fields. */
export interface ImagesTable {
  id: string;
  account_id: string;
  region_id: string;
  name: string;
  family: string | null;
  creation_time: string;
  spec: string;
  /** The image's manifest (see migrations/0007_storage_quotas.ts); null for images without one. */
  manifest_digest: string | null;
}

/** The layers an image manifest names (see migrations/0007_storage_quotas.ts). */
export interface ImageLayersTable {
  manifest_digest: string;
  layer_digest: string;
  size: number;
}

export interface ImageSharesTable {
  image_id: string;
  account_id: string;
}

/** Step cache entries (see migrations/0004_step_cache.ts); times are epoch ms. */
export interface StepCacheTable {
  account_id: string;
  region_id: string;
  cache_key: string;
  layer_digest: string | null;
  layer_size: number;
  tmp_digest: string | null;
  /** Bytes of the /tmp snapshot (migrations/0007_storage_quotas.ts); null on older entries. */
  tmp_size: number | null;
  output: string | null;
  created_at: number;
  last_used_at: number;
}

export interface BlobPinsTable {
  execution_id: string;
  digest: string;
}

/** Signature nonces per AccessKey (see migrations/0005_nonces.ts); `expires_at` is epoch ms. */
export interface SignatureNoncesTable {
  access_key_id: string;
  /** SHA-256 of the nonce, hex. */
  nonce_digest: string;
  expires_at: number;
}

/** ECS tasks, which are also the task queue (see migrations/0010_tasks.ts); `spec` is a versioned record (`records/task-record.ts`). */
export interface TasksTable {
  id: string;
  account_id: string;
  region_id: string;
  action: string;
  status: string;
  /** 1 until the status is terminal. */
  active: number;
  resource_id: string | null;
  /** Epoch ms. */
  created_at: number;
  creation_time: string;
  finished_time: string | null;
  progress: number;
  progress_note: string | null;
  support_cancel: number;
  cancel_requested: number;
  error_code: string | null;
  error_message: string | null;
  success_count: number;
  failed_count: number;
  lease_owner: string | null;
  /** Epoch ms. */
  lease_expires_at: number | null;
  attempt: number;
  spec: string;
}

/** System base images made by any host (see migrations/0012_shared_host_records.ts); epoch ms, `details` JSON. */
export interface BaseImagesTable {
  key: string;
  kind: string;
  digest: string;
  diff_id: string;
  size: number;
  details: string;
  made_at: number;
  made_by: string;
}

/** Web console sessions (see migrations/0013_console_sessions.ts); epoch ms. */
export interface ConsoleSessionsTable {
  /** SHA-256 of the session token, hex. */
  token_digest: string;
  account_id: string;
  access_key_id: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
}

/** Settings shared by every process (see migrations/0012_shared_host_records.ts). */
export interface SharedSettingsTable {
  name: string;
  value: string;
}

export interface DB {
  accounts: AccountsTable;
  access_keys: AccessKeysTable;
  resource_groups: ResourceGroupsTable;
  vswitches: VSwitchesTable;
  scope_counters: ScopeCountersTable;
  pipelines: PipelinesTable;
  pipeline_component_refs: PipelineComponentRefsTable;
  components: ComponentsTable;
  tags: TagsTable;
  idempotency: IdempotencyTable;
  executions: ExecutionsTable;
  execution_tags: ExecutionTagsTable;
  execution_logs: ExecutionLogsTable;
  images: ImagesTable;
  image_shares: ImageSharesTable;
  image_layers: ImageLayersTable;
  step_cache: StepCacheTable;
  blob_pins: BlobPinsTable;
  signature_nonces: SignatureNoncesTable;
  queue_accounts: QueueAccountsTable;
  tasks: TasksTable;
  base_images: BaseImagesTable;
  shared_settings: SharedSettingsTable;
  console_sessions: ConsoleSessionsTable;
}
