import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Ids per instance: container ids 0–65535 (what an image's /etc/passwd can name). */
export const IDS_PER_INSTANCE = 65536;
/** Default first host id of the instances' ranges: 2^31, far above any real user. */
export const DEFAULT_ID_BASE = 2 ** 31;
/** Default number of ranges (instances that can exist at once on the machine). */
export const DEFAULT_ID_SLOTS = 4096;
/** uid_t is 32 bits and (uid_t)-1 means "no change" to the kernel: the last usable id is 2^32 − 2. */
const LAST_ID = 2 ** 32 - 2;

/** The host ids an instance's container ids 0…size−1 are mapped to (`hostId + k`). */
export interface IdRange {
  hostId: number;
  size: number;
}

/** A range held by one instance until `release`. */
export interface IdClaim {
  range: IdRange;
  /** The slot's claim file (what `release` removes). */
  file: string;
  release(): Promise<void>;
}

export interface IdSlotsOptions {
  /** First host id of slot 0 (default 2^31). */
  base?: number;
  /** Number of slots (default 4096). */
  slots?: number;
  /** Where claims are kept, shared by every Kiln process on the machine (e.g. /run/kiln/id-slots). */
  claimsDir: string;
}

/**
 * Subordinate id ranges for build instances: slot `i` is host ids `base + i·65536` … `+65535`,
 * and each live instance holds one slot, so no two instances (of this or another Kiln process on
 * the machine) share an id, and none shares one with a real user of the host: the whole span
 * `base` … `base + slots·65536 − 1` is checked once against /etc/passwd, /etc/group,
 * /etc/subuid and /etc/subgid, and claiming fails when anything there falls inside it.
 *
 * A claim is a file `<claimsDir>/<slot>` made with O_EXCL, holding the claimer's pid and the
 * instance's folder. One whose process is gone and whose folder no longer exists is stale (its
 * engine crashed and the instance was reaped) and is taken over.
 */
export class IdSlots {
  readonly base: number;
  readonly slots: number;
  private checked: Promise<void> | undefined;

  constructor(private readonly options: IdSlotsOptions) {
    this.base = options.base ?? DEFAULT_ID_BASE;
    this.slots = options.slots ?? DEFAULT_ID_SLOTS;
  }

  /** Claims a free slot for the instance whose folder is `owner`. */
  async claim(owner: string): Promise<IdClaim> {
    await (this.checked ??= this.checkSpan().catch((err: unknown) => {
      this.checked = undefined;
      throw err;
    }));
    await mkdir(this.options.claimsDir, { recursive: true, mode: 0o700 });
    // start at a slot that depends on the owner: concurrent claimers rarely race for the same file
    const start = hashOf(owner) % this.slots;
    for (let n = 0; n < this.slots; n++) {
      const slot = (start + n) % this.slots;
      const file = join(this.options.claimsDir, String(slot));
      if (await this.tryClaim(file, owner)) {
        return { range: { hostId: this.base + slot * IDS_PER_INSTANCE, size: IDS_PER_INSTANCE }, file, release: () => rm(file, { force: true }) };
      }
    }
    throw new Error(`all ${this.slots} id ranges for build instances are in use (see ${this.options.claimsDir})`);
  }

  /** Claim files naming an instance folder that starts with `ownerPrefix` (leftovers of those instances). */
  async claimsOf(ownerPrefix: string): Promise<string[]> {
    const out: string[] = [];
    for (const name of await readdir(this.options.claimsDir).catch(() => [] as string[])) {
      const file = join(this.options.claimsDir, name);
      const claim = await readClaim(file);
      if (claim?.owner.startsWith(ownerPrefix)) out.push(file);
    }
    return out;
  }

  private async tryClaim(file: string, owner: string): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(file, 'wx', 0o600);
        try {
          await handle.writeFile(`${process.pid}\n${owner}\n`);
        } finally {
          await handle.close();
        }
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const claim = await readClaim(file);
      if (claim === undefined) continue; // just released, or half-written: look again
      if (alive(claim.pid) || (await exists(claim.owner))) return false;
      await rm(file, { force: true });
    }
    return false;
  }

  private async checkSpan(): Promise<void> {
    const { base, slots } = this;
    if (!Number.isSafeInteger(base) || base < IDS_PER_INSTANCE) throw new Error(`the instances' first host id must be at least ${IDS_PER_INSTANCE}, got ${base}`);
    if (!Number.isSafeInteger(slots) || slots < 1) throw new Error(`the number of instance id ranges must be at least 1, got ${slots}`);
    const end = base + slots * IDS_PER_INSTANCE - 1;
    if (end > LAST_ID) throw new Error(`instance ids ${base}…${end} go past the last host id ${LAST_ID}: lower the base or the number of ranges`);
    const clashes: string[] = [];
    for (const [file, field] of [['/etc/passwd', 2], ['/etc/group', 2]] as const) {
      for (const line of (await readFile(file, 'utf8').catch(() => '')).split('\n')) {
        const f = line.split(':');
        const id = Number(f[field]);
        if (f.length > field && f[field] !== '' && id >= base && id <= end) clashes.push(`${file}: ${f[0]} (${id})`);
      }
    }
    for (const file of ['/etc/subuid', '/etc/subgid']) {
      for (const line of (await readFile(file, 'utf8').catch(() => '')).split('\n')) {
        const [who, first, count] = line.split(':');
        const lo = Number(first);
        const hi = lo + Number(count) - 1;
        if (first && count && Number.isFinite(hi) && lo <= end && hi >= base) clashes.push(`${file}: ${who} (${lo}…${hi})`);
      }
    }
    if (clashes.length > 0) {
      throw new Error(`the host ids for build instances (${base}…${end}) overlap ids of the host: ${clashes.join('; ')}; choose another KILN_INSTANCE_ID_BASE`);
    }
  }
}

async function readClaim(file: string): Promise<{ pid: number; owner: string } | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const [pid, owner] = text?.split('\n') ?? [];
  if (!pid || !owner) return undefined;
  return { pid: Number(pid), owner };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function hashOf(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}
