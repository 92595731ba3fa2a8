import { hostname } from 'node:os';
import { link, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BaseImageRecord, BaseImageRecordRepository } from '../../domain/base-image-records.js';

/** The fields of a record file that are the layer's, not the base's own details. */
const LAYER_FIELDS = new Set(['key', 'digest', 'diffId', 'size', 'dir']);

/** The kind of a base by its key's prefix (`busybox-…`, `debian-minbase-…`, `debian-vm-…`). */
export function baseKindOf(key: string): string {
  return /^(busybox|debian-minbase|debian-vm)-/.exec(key)?.[1] ?? key.replace(/-.*$/, '');
}

/** A record file as Kiln wrote it before the records were shared (`<dataDir>/base-images/<key>.json`). */
export async function readRecordFile(dir: string, key: string): Promise<BaseImageRecord | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(key)) return undefined;
  const path = join(dir, `${key}.json`);
  try {
    const saved = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    if (typeof saved.digest !== 'string' || typeof saved.diffId !== 'string' || typeof saved.size !== 'number') return undefined;
    const details: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(saved)) if (!LAYER_FIELDS.has(k) && k !== 'madeAt' && k !== 'madeBy') details[k] = v;
    const madeAt = typeof saved.madeAt === 'number' ? saved.madeAt : (await stat(path)).mtimeMs;
    return { key, kind: baseKindOf(key), digest: saved.digest, diffId: saved.diffId, size: saved.size, details, madeAt: Math.round(madeAt), madeBy: typeof saved.madeBy === 'string' ? saved.madeBy : hostname() };
  } catch {
    return undefined; // none, or not one Kiln wrote
  }
}

/**
 * The base image records of one machine in a folder (`<dataDir>/base-images/<key>.json`): what
 * a layer store without a shared store uses (the engine's tests, one-off CLI commands). Kiln's
 * processes use the store's records (`Store.baseImages`), shared by every host.
 */
export class DirBaseImageRecords implements BaseImageRecordRepository {
  constructor(readonly dir: string) {}

  get(key: string): Promise<BaseImageRecord | undefined> {
    return readRecordFile(this.dir, key);
  }

  async latest(kind: string): Promise<BaseImageRecord | undefined> {
    const all = (await this.list()).filter((r) => r.kind === kind);
    return all.sort((a, b) => b.madeAt - a.madeAt)[0];
  }

  async put(record: BaseImageRecord, replacing?: string): Promise<BaseImageRecord> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `${record.key}.json`);
    const current = await this.get(record.key);
    if (current && current.digest !== replacing) return current;
    // A private temp name, then a link (first wins) or, to replace, a rename over it.
    const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, JSON.stringify({ key: record.key, digest: record.digest, diffId: record.diffId, size: record.size, ...record.details, madeAt: record.madeAt, madeBy: record.madeBy }, null, 2));
    try {
      if (current) await rm(path, { force: true });
      await link(temp, path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    } finally {
      await rm(temp, { force: true });
    }
    return (await this.get(record.key)) ?? record;
  }

  async list(): Promise<BaseImageRecord[]> {
    const out: BaseImageRecord[] = [];
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (!name.endsWith('.json')) continue;
      const r = await this.get(name.slice(0, -'.json'.length));
      if (r) out.push(r);
    }
    return out;
  }
}
