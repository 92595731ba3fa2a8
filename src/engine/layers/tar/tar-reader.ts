import { TarFormatError } from '../layer-errors.js';
import { BLOCK, decodeBlock, decodePaxRecords, entryType, isZeroBlock, type TarHeader } from './tar-header.js';

/** An entry being read: its header and its content (read it before asking for the next entry, or it is skipped). */
export interface TarReadEntry {
  header: TarHeader;
  body: AsyncIterable<Buffer>;
}

/**
 * The most a PAX or GNU long-name header may hold: far above any real name or xattr set, and
 * it is read into memory (a larger one would let an archive make the reader allocate anything).
 */
const MAX_META_BYTES = 8 * 1024 * 1024;

/**
 * The most records one PAX header may hold, and global (`g`) headers together (they apply to
 * every member after them): real ones hold a handful (a path, times, a few xattrs; `git archive`
 * a comment). Each record is a map entry and a buffer in memory.
 */
const MAX_PAX_RECORDS = 10_000;
const MAX_GLOBAL_PAX_RECORDS = 256;

/** Owners are 32-bit ids; 2^32-1 is "no change" to chown. */
const MAX_ID = 0xfffffffe;

/** Bytes in chunks: a stream, an async generator, or an array of buffers. */
export type ByteInput = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** An async iterator over any `ByteInput`. */
export function asyncIteratorOf(input: ByteInput): AsyncIterator<Uint8Array> {
  if (Symbol.asyncIterator in input) return input[Symbol.asyncIterator]();
  return (async function* () {
    yield* input;
  })();
}

/** Pulls exact byte counts out of a stream of chunks. */
class ByteSource {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const buf = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    if (buf.length > 0) {
      this.chunks.push(buf);
      this.buffered += buf.length;
    }
    return true;
  }

  /** Exactly `n` bytes, or null at a clean end of input; throws on a truncated input. */
  async read(n: number): Promise<Buffer | null> {
    while (this.buffered < n) {
      if (!(await this.fill())) {
        if (this.buffered === 0) return null;
        throw new TarFormatError('truncated tar archive');
      }
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const head = this.chunks[0]!;
      const take = Math.min(head.length, n - off);
      head.copy(out, off, 0, take);
      off += take;
      if (take === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(take);
    }
    this.buffered -= n;
    return out;
  }

  /** Up to `n` bytes as they arrive (pieces of the input, not copies). */
  async *take(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.fill())) throw new TarFormatError('truncated tar archive');
      const head = this.chunks[0];
      if (!head) continue;
      const piece = head.length <= left ? head : head.subarray(0, left);
      if (piece === head) this.chunks.shift();
      else this.chunks[0] = head.subarray(left);
      this.buffered -= piece.length;
      left -= piece.length;
      yield piece;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.take(n)) {
      // discard
    }
  }

  /** Ends the input early (a stream's iterator destroys the stream); a failure to close is not the reader's. */
  async close(): Promise<void> {
    try {
      await this.source.return?.();
    } catch {
      // the input failed already: what the reader reports is its own error
    }
  }

  /** Reads and discards everything left (so a hash of the input sees all of it). */
  async drain(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    while (await this.fill()) {
      this.chunks = [];
      this.buffered = 0;
    }
  }
}

/**
 * Reads a tar archive (ustar, PAX, GNU long names). Yields each member's header with PAX
 * overrides applied (`path`, `linkpath`, `size`, `uid`, `gid`, `mtime`, xattrs from
 * `SCHILY.xattr.*` and `LIBARCHIVE.xattr.*`). Leading `./` and `/` are stripped from names and
 * a trailing `/` from directories; the archive root (`./`) is skipped. After the end-of-archive
 * marker the rest of the input is read and discarded, so a digest of the input covers all of it.
 * Names are only normalized here, not judged (`..` passes): whoever writes them checks them.
 * Throws a `TarFormatError` on a corrupt or truncated archive, on numbers that are not
 * numbers, and on sparse files, multi-volume archives and other members a layer never holds.
 * However reading stops (the end, an error, the caller's `return()`), the input's iterator is
 * closed, so a file stream's descriptor is released.
 */
export async function* readTar(input: ByteInput): AsyncGenerator<TarReadEntry> {
  const src = new ByteSource(asyncIteratorOf(input));
  try {
    yield* entries(src);
  } finally {
    await src.close();
  }
}

async function* entries(src: ByteSource): AsyncGenerator<TarReadEntry> {
  const extended = new ExtendedHeaders();
  for (;;) {
    const block = await src.read(BLOCK);
    if (block === null) return; // no end marker: tolerated
    if (isZeroBlock(block)) {
      await src.drain();
      return;
    }
    const raw = decodeBlock(block);
    if (ExtendedHeaders.holds(raw.typeflag)) {
      if (raw.size > MAX_META_BYTES) throw new TarFormatError(`a ${raw.size}-byte extended header (at most ${MAX_META_BYTES})`);
      const data = (await src.read(paddedSize(raw.size)))?.subarray(0, raw.size);
      if (!data) throw new TarFormatError('truncated tar archive');
      extended.absorb(raw.typeflag, data);
      continue;
    }
    const type = entryType(raw.typeflag);
    if (!type) throw new TarFormatError(`unsupported tar member type ${JSON.stringify(raw.typeflag)} (${raw.name})`);
    const header = extended.headerOf(raw, type);
    const bodySize = checkAndNormalize(header, type);
    let consumed = 0;
    const body = (async function* () {
      for await (const piece of src.take(bodySize - consumed)) {
        consumed += piece.length;
        yield piece;
      }
    })();
    if (header.name === '') {
      await src.skip(paddedSize(bodySize));
      continue;
    }
    yield { header, body };
    if (consumed < bodySize) await src.skip(bodySize - consumed);
    await src.skip(paddedSize(bodySize) - bodySize);
  }
}

const paddedSize = (size: number): number => Math.ceil(size / BLOCK) * BLOCK;

/**
 * What the extended headers read so far say about the members after them: the next member's PAX
 * records and GNU long name and link (used once), and the global PAX records (for the rest of the
 * archive, bounded together).
 */
class ExtendedHeaders {
  private readonly globalPax = new Map<string, Buffer>();
  private globalBytes = 0;
  private globalXattrs = new Map<string, Buffer>();
  private localPax: Map<string, Buffer> | undefined;
  private gnuLongName: string | undefined;
  private gnuLongLink: string | undefined;

  /** Whether a member of this type is an extended header (its data is read with `absorb`). */
  static holds(typeflag: string): boolean {
    return typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K';
  }

  absorb(typeflag: string, data: Buffer): void {
    if (typeflag === 'x') this.localPax = paxRecords(data);
    else if (typeflag === 'g') {
      // Kept for the rest of the archive: bounded together, not per header.
      this.globalBytes += data.length;
      if (this.globalBytes > MAX_META_BYTES) throw new TarFormatError(`global extended headers of more than ${MAX_META_BYTES} bytes`);
      for (const [key, value] of paxRecords(data)) this.globalPax.set(key, value);
      if (this.globalPax.size > MAX_GLOBAL_PAX_RECORDS) throw new TarFormatError(`global extended headers with more than ${MAX_GLOBAL_PAX_RECORDS} records`);
      this.globalXattrs = paxXattrs(this.globalPax);
    } else {
      const nul = data.indexOf(0);
      const text = data.subarray(0, nul < 0 ? data.length : nul).toString('utf8');
      if (typeflag === 'L') this.gnuLongName = text;
      else this.gnuLongLink = text;
    }
  }

  /** A member's header as its block and the extended headers before it say (the local ones then no longer apply). */
  headerOf(raw: ReturnType<typeof decodeBlock>, type: TarHeader['type']): TarHeader {
    const local = this.localPax ?? NO_RECORDS;
    this.localPax = undefined;
    const header: TarHeader = {
      name: raw.name,
      type,
      mode: raw.mode & 0o7777,
      uid: raw.uid,
      gid: raw.gid,
      size: raw.size,
      mtime: raw.mtime,
      linkname: raw.linkname || undefined,
      devmajor: raw.devmajor,
      devminor: raw.devminor,
    };
    if (this.gnuLongName !== undefined) header.name = this.gnuLongName;
    if (this.gnuLongLink !== undefined) header.linkname = this.gnuLongLink;
    this.gnuLongName = this.gnuLongLink = undefined;
    applyPax(header, local, this.globalPax, this.globalXattrs);
    return header;
  }
}

/** Refuses numbers that are not numbers, normalizes the names; returns the bytes of data behind the header. */
function checkAndNormalize(header: TarHeader, type: TarHeader['type']): number {
  if (!Number.isSafeInteger(header.size) || header.size < 0) throw new TarFormatError(`bad size ${header.size} (${header.name})`);
  for (const id of [header.uid, header.gid]) {
    if (!Number.isSafeInteger(id) || id < 0 || id > MAX_ID) throw new TarFormatError(`bad owner ${id} (${header.name})`);
  }
  if (!Number.isSafeInteger(header.mtime)) throw new TarFormatError(`bad mtime ${header.mtime} (${header.name})`);
  // Only regular files have content; a hardlink's size field (if any) has no data behind it,
  // and stray data after other members is skipped.
  const bodySize = type === 'hardlink' ? 0 : header.size;
  if (type !== 'file') header.size = 0;
  header.name = normalizeName(header.name);
  if (type === 'hardlink' && header.linkname !== undefined) header.linkname = normalizeName(header.linkname);
  return bodySize;
}

const NO_RECORDS: ReadonlyMap<string, Buffer> = new Map();

/** One PAX header's records, at most `MAX_PAX_RECORDS`. */
function paxRecords(data: Buffer): Map<string, Buffer> {
  return decodePaxRecords(data, MAX_PAX_RECORDS);
}

/** A member's PAX records (`local`) over the archive's global ones, with `globalXattrs` the xattrs of `global`. */
function applyPax(header: TarHeader, local: ReadonlyMap<string, Buffer>, global: ReadonlyMap<string, Buffer>, globalXattrs: ReadonlyMap<string, Buffer>): void {
  const get = (key: string) => local.get(key) ?? global.get(key);
  const text = (key: string) => get(key)?.toString('utf8');
  const path = text('path');
  if (path !== undefined) header.name = path;
  const linkpath = text('linkpath');
  if (linkpath !== undefined) header.linkname = linkpath;
  for (const key of ['size', 'uid', 'gid'] as const) {
    const v = text(key);
    if (v === undefined) continue;
    if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new TarFormatError(`bad PAX ${key} ${JSON.stringify(v)} (${header.name})`);
    header[key] = Number(v);
  }
  const mtime = text('mtime');
  if (mtime !== undefined) {
    if (!/^-?[0-9]+(\.[0-9]*)?$/.test(mtime) || !Number.isSafeInteger(Math.floor(Number(mtime)))) throw new TarFormatError(`bad PAX mtime ${JSON.stringify(mtime)} (${header.name})`);
    header.mtime = Math.floor(Number(mtime));
  }
  if (get('GNU.sparse.major') || get('GNU.sparse.size')) throw new TarFormatError(`sparse tar members are not supported (${header.name})`);
  const xattrs = new Map(globalXattrs);
  for (const [key, value] of local.size > 0 ? paxXattrs(local, header.name) : []) xattrs.set(key, value);
  if (xattrs.size > 0) header.xattrs = xattrs;
}

/** The xattrs PAX records carry (`SCHILY.xattr.<name>` raw, `LIBARCHIVE.xattr.<%-escaped name>` base64). */
function paxXattrs(pax: ReadonlyMap<string, Buffer>, member = '(global header)'): Map<string, Buffer> {
  const xattrs = new Map<string, Buffer>();
  for (const [key, value] of pax) {
    if (key.startsWith('SCHILY.xattr.')) xattrs.set(key.slice('SCHILY.xattr.'.length), value);
    else if (key.startsWith('LIBARCHIVE.xattr.')) {
      let name: string;
      try {
        name = decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length));
      } catch {
        throw new TarFormatError(`a LIBARCHIVE.xattr record with a bad %-escape in its name: ${JSON.stringify(key.slice(0, 200))} (${member})`);
      }
      xattrs.set(name, Buffer.from(value.toString('ascii'), 'base64'));
    }
  }
  return xattrs;
}

/** Strips `./`, leading `/` and trailing `/`; collapses `//` and `/./`. The archive root becomes ''. */
export function normalizeName(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  return parts.join('/');
}
