import type { Account, AccessKey, ResourceGroup } from './account.js';
import type { ImageComponent, ComponentType, SystemType } from './component.js';
import type { ImagePipeline } from './pipeline.js';
import type { Page, PageRequest } from './paging.js';
import type { Tag } from './tag.js';

/**
 * Ports: what the application needs from the outside world. `store/` implements the
 * persistence ports on SQLite and PostgreSQL; the domain and app never see SQL.
 *
 * Scoping rule: every read and write of a tenant resource names the account and region.
 * A resource of another account or region is simply not found.
 */

/** Resource types that carry tags (the `ResourceType` of TagResources). */
export type TaggableType = 'imagepipeline' | 'imagecomponent';

export interface Scope {
  accountId: string;
  regionId: string;
}

export interface PipelineFilter extends Scope {
  ids?: string[];
  name?: string;
  resourceGroupId?: string;
  /** Every tag must match; an empty value matches any value of that key. */
  tags?: Tag[];
}

export interface ComponentFilter extends Scope {
  ids?: string[];
  name?: string;
  /** Exact version, or a pattern with one `*` part (major, minor or patch). */
  componentVersion?: string;
  componentType?: ComponentType;
  systemType?: SystemType;
  resourceGroupId?: string;
  tags?: Tag[];
}

export interface AccountRepository {
  insert(account: Account): Promise<void>;
  get(id: string): Promise<Account | undefined>;
  list(): Promise<Account[]>;
}

export interface AccessKeyRepository {
  insert(key: AccessKey): Promise<void>;
  get(id: string): Promise<AccessKey | undefined>;
  listByAccount(accountId: string): Promise<AccessKey[]>;
  /**
   * Sets a key's status (`Inactive`: every request signed with it is refused, by every Kiln
   * process on the database within the AccessKey cache's TTL, `api/rpc/access-key-cache.ts`).
   * False when there is no such key.
   */
  setStatus(id: string, status: AccessKey['status']): Promise<boolean>;
}

export interface ResourceGroupRepository {
  insert(group: ResourceGroup): Promise<void>;
  get(accountId: string, id: string): Promise<ResourceGroup | undefined>;
  getDefault(accountId: string): Promise<ResourceGroup | undefined>;
  list(accountId: string): Promise<ResourceGroup[]>;
}

export interface VSwitch {
  id: string;
  accountId: string;
  regionId: string;
  zoneId: string;
  cidrBlock: string;
  isDefault: boolean;
}

export interface VSwitchRepository {
  insert(vSwitch: VSwitch): Promise<void>;
  get(scope: Scope, id: string): Promise<VSwitch | undefined>;
  getDefault(scope: Scope): Promise<VSwitch | undefined>;
}

export interface PipelineRepository {
  /** Inserts the template, its tags and the components its content references. */
  insert(pipeline: ImagePipeline, componentIds: readonly string[]): Promise<void>;
  get(scope: Scope, id: string): Promise<ImagePipeline | undefined>;
  /** Deletes the template with its tags and component references; false if absent. */
  delete(scope: Scope, id: string): Promise<boolean>;
  count(scope: Scope): Promise<number>;
  list(filter: PipelineFilter, page: PageRequest): Promise<Page<ImagePipeline>>;
  /** True when any template (of any account) references the component. */
  referencesComponent(componentId: string): Promise<boolean>;
}

export interface ComponentRepository {
  insert(component: ImageComponent): Promise<void>;
  get(scope: Scope, id: string): Promise<ImageComponent | undefined>;
  delete(scope: Scope, id: string): Promise<boolean>;
  count(scope: Scope): Promise<number>;
  list(filter: ComponentFilter, page: PageRequest): Promise<Page<ImageComponent>>;
  /** Every version of the named component in the scope. */
  versionsOf(scope: Scope, name: string): Promise<ImageComponent[]>;
}

export interface TagRow {
  resourceType: TaggableType;
  resourceId: string;
  key: string;
  value: string;
}

export interface TagRepository {
  /** Adds or overwrites the given keys on one resource. */
  put(scope: Scope, type: TaggableType, resourceId: string, tags: readonly Tag[]): Promise<void>;
  /** Removes the given keys (all keys when `keys` is undefined). */
  remove(scope: Scope, type: TaggableType, resourceId: string, keys?: readonly string[]): Promise<void>;
  /** Tag rows of resources in the scope, optionally limited to ids and to resources carrying every filter tag. */
  list(scope: Scope, type: TaggableType, filter: { resourceIds?: string[]; tags?: Tag[] }, page: PageRequest): Promise<Page<TagRow>>;
}

export interface IdempotencyRecord {
  /** Digest of the request's operation parameters (not its signature fields). */
  paramsDigest: string;
  /** The response body returned the first time, as JSON text. */
  response: string;
}

export interface IdempotencyRepository {
  get(accountId: string, action: string, clientToken: string): Promise<IdempotencyRecord | undefined>;
  /** Records a token's first answer; throws a `StoreError` with code `Store.IdempotencyConflict` (`isStoreError`) when it exists already. */
  put(accountId: string, action: string, clientToken: string, record: IdempotencyRecord): Promise<void>;
}

/** The repositories, as seen inside or outside a transaction. */
export interface Repositories {
  accounts: AccountRepository;
  accessKeys: AccessKeyRepository;
  resourceGroups: ResourceGroupRepository;
  vSwitches: VSwitchRepository;
  pipelines: PipelineRepository;
  components: ComponentRepository;
  tags: TagRepository;
  idempotency: IdempotencyRepository;
  executions: ExecutionRepository;
  executionLogs: ExecutionLogRepository;
  images: ImageRepository;
  stepCache: StepCacheRepository;
  blobPins: BlobPinRepository;
  signatureNonces: SignatureNonceRepository;
  /** ECS tasks and the task queue (see `task.ts`). */
  tasks: import('./task.js').TaskRepository;
  /** System base images made by any host (see `base-image-records.ts`). */
  baseImages: import('./base-image-records.js').BaseImageRecordRepository;
  settings: import('./base-image-records.js').SharedSettingRepository;
  /** Web console sessions (see `console-session.ts`). */
  consoleSessions: import('./console-session.js').ConsoleSessionRepository;
}

export interface Store extends Repositories {
  /**
   * Runs `work` in one serializable transaction and commits it durably before resolving;
   * a thrown error rolls everything back. Nested calls are not supported.
   */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface ImageFilter {
  imageIds?: string[];
  /** Exact name. */
  imageName?: string;
  /** Part of the name (DescribeImages' fuzzy `ImageName`). */
  nameContains?: string;
  imageFamily?: string;
  ownerAliases?: string[];
  /** Limits shared (`others`) images to this owner; other images are not affected. */
  sharedBy?: string;
  osType?: string;
  architecture?: string;
  /** Absent or empty: any status. */
  status?: string[];
  isSupportCloudinit?: boolean;
  /** Created at or after / at or before, as epoch milliseconds. */
  createdFrom?: number;
  createdTo?: number;
  /** Every tag must match; an empty value matches any value of that key. */
  tags?: Tag[];
}

/**
 * Images visible to an account in a region: system images, the account's own, and those
 * shared with it. Used to resolve a template's base image and by DescribeImages.
 */
export interface ImageCatalog {
  find(scope: Scope, imageId: string): Promise<import('./image.js').Image | undefined>;
  /** The newest available image of the family, as DescribeImageFromFamily picks it. */
  latestInFamily(scope: Scope, family: string): Promise<import('./image.js').Image | undefined>;
  list(scope: Scope, filter: ImageFilter): Promise<import('./image.js').Image[]>;
}

export interface ExecutionFilter extends Scope {
  pipelineId?: string;
  executionIds?: string[];
  statuses?: import('./execution.js').ExecutionStatus[];
  tags?: Tag[];
}

/** The fields of an execution a status report may change. */
export interface ExecutionPatch {
  status?: import('./execution.js').ExecutionStatus;
  message?: string;
  errorCode?: string;
  errorInfo?: string;
  imageId?: string;
}

/** What limits a claim (see `ExecutionRepository.claim`). */
export interface ClaimPolicy {
  /** Executions of one account that may hold a live lease at once; 0: no limit. */
  maxRunningPerAccount?: number;
  /**
   * Host disk admission: the claiming worker's host disk and what builds may promise on it (see
   * `HostDiskRoom`); `holdAfter`: pass-overs after which a waiting build holds its room (see
   * `admitOnHostDisk`; 0 or absent: never).
   */
  disk?: { pool: string; holdAfter?: number } & import('./fair-queue.js').HostDiskRoom;
}

export interface ClaimedExecution {
  execution: import('./execution.js').Execution;
  /** Claims of this execution so far, this one included (above 1: a worker was lost). */
  attempt: number;
  /** Its template's SystemDiskSize is more than the host's filesystem could give one build (`ceilingBytes`) even if it held nothing else. */
  exceedsHostDisk?: { diskGiB: number; ceilingBytes: number };
}

/**
 * Executions, which are also the build queue: the row is the job. Workers claim a row with a
 * lease (worker id + expiry), renew it while they work, and a lease that expires (a killed
 * worker) makes the row claimable again so another worker can finish or fail it.
 */
export interface ExecutionRepository {
  insert(execution: import('./execution.js').Execution): Promise<void>;
  get(scope: Scope, id: string): Promise<import('./execution.js').Execution | undefined>;
  /** An execution of the account in any region (execution ids are unique everywhere). */
  locate(accountId: string, id: string): Promise<import('./execution.js').Execution | undefined>;
  /** Keyset-paged by the scope's sequence: creation order, or newest first with `page.order: 'desc'`. */
  list(filter: ExecutionFilter, page: PageRequest): Promise<Page<import('./execution.js').Execution>>;
  /** The template's execution that is not in a terminal status, if any. */
  activeFor(scope: Scope, pipelineId: string): Promise<import('./execution.js').Execution | undefined>;
  /** Applies a patch (and bumps ModifiedTime) when the current status is one of `onlyFrom` (any when absent); false otherwise. */
  update(scope: Scope, id: string, patch: ExecutionPatch, onlyFrom?: readonly import('./execution.js').ExecutionStatus[]): Promise<boolean>;
  /** Removes every execution of a template (and their logs). */
  deleteForPipeline(scope: Scope, pipelineId: string): Promise<void>;
  /**
   * Takes a non-terminal execution whose lease is free or expired, as the fair queue orders
   * them (`fair-queue.ts`): one taken back from a lost worker first, then the oldest of the
   * account whose turn it is, within `policy`'s per-account limit and host disk (none without
   * a policy). One transaction: concurrent claims (other processes too) never take the same
   * execution nor pass the limits together. Undefined when none may be claimed now.
   */
  claim(workerId: string, leaseMs: number, policy?: ClaimPolicy): Promise<ClaimedExecution | undefined>;
  /** Executions holding a live lease whose disk was admitted on the host disk `pool`. */
  runningOn(pool: string): Promise<string[]>;
  /**
   * Extends the lease and returns the execution's current status (so the worker sees a
   * CANCELLING request); undefined when the worker no longer holds the lease.
   */
  renew(id: string, workerId: string, leaseMs: number): Promise<import('./execution.js').ExecutionStatus | undefined>;
  /** Gives the lease up (after a terminal status). */
  release(id: string, workerId: string): Promise<void>;
  /** Executions not in a terminal status by status, and the queue's depth and oldest entry (read on each `/metrics` scrape). */
  queueStats(): Promise<import('./telemetry.js').ExecutionQueueStats>;
}

export interface LogChunk {
  seq: number;
  stream: 'stdout' | 'stderr' | 'system';
  text: string;
  time: string;
}

/** Build output, kept in full and readable while it grows (live logs). */
export interface ExecutionLogRepository {
  append(executionId: string, chunks: ReadonlyArray<Omit<LogChunk, 'seq'>>): Promise<void>;
  /** Chunks after `afterSeq`, oldest first, at most `limit`. */
  read(executionId: string, afterSeq: number, limit: number): Promise<LogChunk[]>;
}

/**
 * Images that belong to accounts (built or imported), with their share lists. An image is
 * visible to its owner and to the accounts it is shared with, in its region.
 */
export interface ImageRepository {
  insert(image: import('./image.js').Image): Promise<void>;
  /** The manifest digest of every account image of every scope (the roots of blob garbage collection). */
  allManifestDigests(): Promise<string[]>;
  /** An image the account owns in the region. */
  getOwned(scope: Scope, imageId: string): Promise<import('./image.js').Image | undefined>;
  /**
   * Applies `patch` to an image the account owns in the region (see `ImagePatch`): the record
   * and the columns derived from it are rewritten together. Returns the updated image (as its
   * owner sees it), undefined when the scope does not own it; `StoreConflictError` when the new
   * name is another image's of the account in the region.
   */
  update(scope: Scope, imageId: string, patch: import('./image.js').ImagePatch): Promise<import('./image.js').Image | undefined>;
  /** An image the account owns or that is shared with it, in the region. */
  getVisible(scope: Scope, imageId: string): Promise<import('./image.js').Image | undefined>;
  /** Owned (`self`) and shared-with-me (`others`) images in the region, oldest first. */
  listVisible(scope: Scope): Promise<import('./image.js').Image[]>;
  /** True when the account owns an image of that name in the region. */
  nameTaken(scope: Scope, imageName: string): Promise<boolean>;
  /** Deletes an image the account owns in the region, with its shares; false if absent. */
  delete(scope: Scope, imageId: string): Promise<boolean>;
  /** Shares an owned image with accounts (already shared ones are kept); `StoreNotFoundError` if the scope does not own it. */
  addShares(scope: Scope, imageId: string, accountIds: readonly string[]): Promise<void>;
  /** Unshares an owned image; accounts it is not shared with, or an image the scope does not own, change nothing. */
  removeShares(scope: Scope, imageId: string, accountIds: readonly string[]): Promise<void>;
  /** The accounts an owned image is shared with, ascending; empty when the scope does not own it. */
  shares(scope: Scope, imageId: string): Promise<string[]>;
  /** Which of these owned images are shared with at least one account (`IsSelfShared`). */
  sharedAmong(scope: Scope, imageIds: readonly string[]): Promise<Set<string>>;
  /**
   * Records the layers a manifest names (digest and size), which `storageBytes` counts;
   * recording a manifest's layers again changes nothing. Images name manifests by
   * `manifestDigest`, so a copy shares its source's record.
   */
  recordLayers(manifestDigest: string, layers: readonly import('./storage-quota.js').LayerRef[]): Promise<void>;
  /**
   * The account's image storage: the distinct bytes of the recorded layers of the images it
   * owns in every region (its image quota, see `storage-quota.ts`).
   */
  storageBytes(accountId: string): Promise<number>;
  /** Manifest digests of account images whose layers are not recorded (images older than the records), for a backfill. */
  unrecordedManifests(): Promise<string[]>;
  /** Drops the layer records of manifests that no image names any more; returns how many records. */
  pruneLayerRecords(): Promise<number>;
}

/**
 * The step cache's entries, per account and region: a lookup in one scope never sees another
 * scope's entries (no tenant reuses another's layers).
 */
export interface StepCacheRepository {
  get(scope: Scope, key: string): Promise<import('./step-cache.js').StepCacheEntry | undefined>;
  /** Inserts the entries, replacing those with the same scope and key. */
  put(entries: readonly import('./step-cache.js').StepCacheEntry[]): Promise<void>;
  /** Marks entries as used at `at` (epoch ms), for the LRU order. */
  touch(scope: Scope, keys: readonly string[], at: number): Promise<void>;
  /** Every entry of every scope, least recently used first (for garbage collection). */
  listAll(): Promise<import('./step-cache.js').StepCacheEntry[]>;
  /** Every entry of the account, in every region, least recently used first (its cache quota). */
  listForAccount(accountId: string): Promise<import('./step-cache.js').StepCacheEntry[]>;
  delete(scope: Scope, keys: readonly string[]): Promise<void>;
  /** Removes every entry of the scope; returns how many there were. */
  clear(scope: Scope): Promise<number>;
}

/**
 * Blobs a running execution uses (its base image's layers, cached layers it reuses, layers it
 * captured before its image exists). Garbage collection keeps every blob pinned by an
 * execution that is not in a terminal status, so a running build never loses a layer it uses.
 */
export interface BlobPinRepository {
  pin(executionId: string, digests: readonly string[]): Promise<void>;
  /** Digests pinned by executions that are not terminal (or no longer exist: never). */
  activeDigests(): Promise<Set<string>>;
  /** Drops an execution's pins. */
  unpin(executionId: string): Promise<void>;
  /** Drops the pins of executions that ended (or are gone); builds leave theirs to this, one write fewer per build. Returns how many. */
  pruneInactive(): Promise<number>;
}

/**
 * Signature nonces seen per AccessKey, so that a signed request cannot be replayed: not after
 * a restart, not to another API process on the same database. Times are epoch milliseconds.
 */
export interface SignatureNonceRepository {
  /**
   * Records `nonce` for `accessKeyId` until `expiresAt`, if it is not recorded yet (or its
   * record expired at or before `now`). True when this call recorded it; false when an
   * unexpired record exists. Atomic: of concurrent claims of one nonce, from any process on
   * the database, exactly one gets true.
   */
  claim(accessKeyId: string, nonce: string, expiresAt: number, now: number): Promise<boolean>;
  /**
   * Deletes up to `limit` records that expired at or before `cutoff`; returns how many it
   * deleted. Callers pass a cutoff well behind their own clock (a whole signature window):
   * processes sharing the database do not share a clock, and a record deleted while another
   * process still treats it as live would let a replay through there.
   */
  pruneExpired(cutoff: number, limit: number): Promise<number>;
}
