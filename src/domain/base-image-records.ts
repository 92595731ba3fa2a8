/**
 * The system base images (busybox, Debian minbase, the Debian 12 VM base) made by the hosts of
 * one Kiln, recorded for all of them: a host that needs a base looks for its record first and
 * fetches the layer from the blob store (extracting it into its own layer store) instead of
 * making it; only the first host that needs a base and can make it makes it. With one database
 * and one blob store, every worker host therefore builds on the same base layer, and a step
 * cache entry made on one host is a hit on another.
 */
export interface BaseImageRecord {
  /**
   * What the base is made from and how (e.g. `busybox-<binary digest>-r1`,
   * `debian-minbase-<suite>-<sources digest>-r1`): hosts that would make the same base share it.
   */
  key: string;
  /** Which system image it is a base of: `busybox`, `debian-minbase` or `debian-vm`. */
  kind: string;
  /** The layer blob in the blob store. */
  digest: string;
  diffId: string;
  size: number;
  /** The base's own fields beyond its layer (mirror, suite, kernelVersion, buildSeconds…), as JSON values. */
  details: Record<string, unknown>;
  /** When it was made (epoch ms) and on which host (its hostname). */
  madeAt: number;
  madeBy: string;
}

/** The records of the base images (in the store, shared by every host; or a folder of one host). */
export interface BaseImageRecordRepository {
  get(key: string): Promise<BaseImageRecord | undefined>;
  /** The most recently made base of a kind (what a host that cannot make the base itself builds on). */
  latest(kind: string): Promise<BaseImageRecord | undefined>;
  /**
   * Records a base unless its key has a record already, and returns the record the key has
   * now: when two hosts make the same base at once, the first record wins and both use it.
   * With `replacing` (the digest of the key's current record, whose blob is gone), that record
   * is replaced instead; a record with another digest by then is kept and returned.
   */
  put(record: BaseImageRecord, replacing?: string): Promise<BaseImageRecord>;
  /** Every record (garbage collection keeps their layers). */
  list(): Promise<BaseImageRecord[]>;
}

/**
 * Settings that every process of one Kiln shares through the store (e.g. which account is the
 * default one, so that a `kiln worker` on another host knows it without the server's data dir).
 */
export interface SharedSettingRepository {
  get(name: string): Promise<string | undefined>;
  /** Sets the value (replacing any). */
  put(name: string, value: string): Promise<void>;
}

/** The shared setting naming the default account (`kiln serve` writes it at every start). */
export const DEFAULT_ACCOUNT_SETTING = 'default-account';

/**
 * The shared setting naming the blob store `kiln serve` uses (`s3://bucket/prefix` or
 * `file:///path`): a `kiln worker` configured with another one refuses to start (its images'
 * blobs would be where no other host reads them).
 */
export const BLOB_STORE_SETTING = 'blob-store';
