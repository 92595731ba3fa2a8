import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Which repositories of a registry are known to hold a blob: Kiln pushed it there or pulled it
 * from there. A push asks the registry to mount a blob from such a repository instead of
 * uploading it. A hint only: a stale entry costs a refused mount, then the upload.
 */
export interface BlobLocations {
  /** Repositories of `registry` known to hold `digest`, the latest first. */
  find(registry: string, digest: string): Promise<string[]>;
  /** Notes that `repository` of `registry` holds each of `digests`. */
  record(registry: string, repository: string, digests: readonly string[]): Promise<void>;
}

/** The most blobs remembered per registry, and repositories per blob; the oldest go first. */
const MAX_BLOBS = 20_000;
const MAX_REPOSITORIES = 8;
const MAX_FILE_BYTES = 16 * 1024 * 1024;

type Record_ = Record<string, Record<string, string[]>>;

/**
 * `BlobLocations` in a JSON file (`registry → digest → repositories`), replaced atomically on
 * each record. Two pushes at once may lose one's note, which only costs a later mount.
 */
export class FileBlobLocations implements BlobLocations {
  constructor(private readonly file: string) {}

  async find(registry: string, digest: string): Promise<string[]> {
    return (await this.read())[registry]?.[digest] ?? [];
  }

  async record(registry: string, repository: string, digests: readonly string[]): Promise<void> {
    const all = await this.read();
    const blobs = new Map(Object.entries(all[registry] ?? {}));
    for (const d of digests) {
      const repos = [repository, ...(blobs.get(d) ?? []).filter((r) => r !== repository)].slice(0, MAX_REPOSITORIES);
      blobs.delete(d);
      blobs.set(d, repos);
    }
    all[registry] = Object.fromEntries([...blobs].slice(-MAX_BLOBS));
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(all), { mode: 0o600 });
    await rename(tmp, this.file);
  }

  private async read(): Promise<Record_> {
    try {
      const text = await readFile(this.file, 'utf8');
      if (text.length > MAX_FILE_BYTES) return {};
      const parsed = JSON.parse(text) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Record_) : {};
    } catch {
      return {}; // missing or unreadable: nothing is known
    }
  }
}
