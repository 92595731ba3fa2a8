import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isProcessRunning } from '../../blobs/stale-staging.js';
import { pathExists } from '../system/path-exists.js';

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
  /** The claim's entry file, `<claimsDir>/<slot>/<pid>-<nonce>` (what `release` removes, with its slot folder). */
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
 * A claim is a folder `<claimsDir>/<slot>` holding one entry, `<pid>-<nonce>`, whose content is
 * the instance's folder. It is made complete under a temporary name and renamed into place, which
 * the kernel does only where no slot folder is or an empty one: a claim is never seen half made,
 * and of two claimers one wins. A claim whose process is gone and whose instance folder no longer
 * exists is stale (its engine crashed and the instance was reaped) and is taken over by removing
 * that very entry (by its unique name) and renaming a new claim into the emptied folder: two
 * claimers that both judged it stale remove the same entry, and only one rename succeeds; a fresh
 * claim made meanwhile has another name and is never removed.
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
    const dir = this.options.claimsDir;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const entry = `${process.pid}-${randomBytes(8).toString('hex')}`;
    const pending = join(dir, `.new-${entry}`);
    await mkdir(pending, { mode: 0o700 });
    try {
      await writeFile(join(pending, entry), `${owner}\n`, { mode: 0o600 });
      // start at a slot that depends on the owner: concurrent claimers rarely race for the same slot
      const start = hashOf(owner) % this.slots;
      for (let n = 0; n < this.slots; n++) {
        const slot = (start + n) % this.slots;
        const slotDir = join(dir, String(slot));
        if (await this.tryClaim(pending, slotDir)) {
          const file = join(slotDir, entry);
          return { range: { hostId: this.base + slot * IDS_PER_INSTANCE, size: IDS_PER_INSTANCE }, file, release: () => this.drop(file) };
        }
      }
    } finally {
      await rm(pending, { recursive: true, force: true });
    }
    throw new Error(`all ${this.slots} id ranges for build instances are in use (see ${dir})`);
  }

  /** Claim entries naming an instance folder that starts with `ownerPrefix` (leftovers of those instances; remove with `drop`). */
  async claimsOf(ownerPrefix: string): Promise<string[]> {
    const out: string[] = [];
    for (const name of await readdir(this.options.claimsDir).catch(() => [] as string[])) {
      if (name.startsWith('.')) continue;
      for (const claim of await readClaims(join(this.options.claimsDir, name))) if (claim.owner.startsWith(ownerPrefix)) out.push(claim.file);
    }
    return out;
  }

  /**
   * Removes a claim entry and its slot folder (unless another claim is in it by then); also a
   * claim file of Kiln versions before claims were folders.
   */
  async drop(file: string): Promise<void> {
    await rm(file, { force: true });
    if (dirname(file) === this.options.claimsDir) return;
    await rmdir(dirname(file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT' && err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  }

  /** Renames the complete claim `pending` to `slotDir` when the slot is free or its claim is stale. */
  private async tryClaim(pending: string, slotDir: string): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await rename(pending, slotDir);
        return true;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw err;
      }
      const claims = await readClaims(slotDir);
      for (const claim of claims) {
        if (isProcessRunning(claim.pid) || (await pathExists(claim.owner))) return false;
      }
      // every claim there is stale: remove those very entries (a new claim would have another name)
      for (const claim of claims) await rm(claim.file, { force: true });
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

/**
 * The claims in a slot: its entries (pid from the name, owner from the content), or, for a claim
 * file of a Kiln version before claims were folders, that file ("<pid>\n<owner>\n"). An entry
 * that cannot be read counts as owned by no process and no folder: stale.
 */
async function readClaims(slotDir: string): Promise<{ file: string; pid: number; owner: string }[]> {
  let names: string[];
  try {
    names = await readdir(slotDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    if (code !== 'ENOTDIR') throw err;
    const [pid = '', owner = ''] = (await readFile(slotDir, 'utf8').catch(() => '')).split('\n');
    return [{ file: slotDir, pid: Number(pid) || 0, owner }];
  }
  const out = [];
  for (const name of names) {
    const file = join(slotDir, name);
    const owner = (await readFile(file, 'utf8').catch(() => '')).split('\n')[0] ?? '';
    out.push({ file, pid: Number(name.split('-')[0]) || 0, owner });
  }
  return out;
}

function hashOf(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}
