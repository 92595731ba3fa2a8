/**
 * Tar headers: POSIX ustar blocks plus PAX extended headers, written by hand so that layer
 * tars are byte-for-byte deterministic and carry what OCI layers need (binary xattrs as
 * `SCHILY.xattr.*`, long names, big ids and sizes). Reading also accepts GNU long names
 * (`L`/`K`), base-256 numbers and `LIBARCHIVE.xattr.*` records, for imported archives.
 */

import { TarFormatError } from '../layer-errors.js';

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo';

/** One archive member. `name` has no leading `./` or `/`; directories end with `/` on the wire only. */
export interface TarHeader {
  name: string;
  type: TarEntryType;
  /** Permission bits including setuid/setgid/sticky (`0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content (regular files only; 0 otherwise). */
  size: number;
  /** Modification time in whole seconds since the epoch. */
  mtime: number;
  /** Target of a symlink, or the member a hardlink points to. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extended attributes (name → raw value), e.g. `security.capability`. */
  xattrs?: Map<string, Buffer>;
}

export const BLOCK = 512;

const TYPEFLAG: Record<TarEntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  directory: '5',
  fifo: '6',
};

/** The zero padding that follows `size` bytes of content. */
export function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rest);
}

/** Two zero blocks: the end of an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);

const MAX_OCTAL_7 = 0o7777777; // 8-byte fields
const MAX_OCTAL_11 = 0o77777777777; // 12-byte fields

function isPlainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/**
 * Encodes a header: one ustar block, preceded by a PAX extended header when something does
 * not fit ustar (names over 100 bytes or not plain ASCII, ids or sizes too large, xattrs).
 * PAX records are sorted by key so the output depends only on the header.
 */
export function encodeHeader(h: TarHeader): Buffer {
  const name = h.type === 'directory' && !h.name.endsWith('/') ? `${h.name}/` : h.name;
  const linkname = h.linkname ?? '';
  const pax = new Map<string, Buffer>();
  if (Buffer.byteLength(name) > 100 || !isPlainAscii(name)) pax.set('path', Buffer.from(name));
  if (Buffer.byteLength(linkname) > 100 || !isPlainAscii(linkname)) pax.set('linkpath', Buffer.from(linkname));
  if (h.uid > MAX_OCTAL_7) pax.set('uid', Buffer.from(String(h.uid)));
  if (h.gid > MAX_OCTAL_7) pax.set('gid', Buffer.from(String(h.gid)));
  if (h.size > MAX_OCTAL_11) pax.set('size', Buffer.from(String(h.size)));
  if (h.mtime < 0 || h.mtime > MAX_OCTAL_11) pax.set('mtime', Buffer.from(String(h.mtime)));
  for (const [key, value] of h.xattrs ?? []) pax.set(`SCHILY.xattr.${key}`, value);

  const block = ustarBlock({
    name: pax.has('path') ? asciiPrefix(name, 100) : name,
    mode: h.mode & 0o7777,
    uid: h.uid > MAX_OCTAL_7 ? 0 : h.uid,
    gid: h.gid > MAX_OCTAL_7 ? 0 : h.gid,
    size: h.size > MAX_OCTAL_11 ? 0 : h.size,
    mtime: h.mtime < 0 || h.mtime > MAX_OCTAL_11 ? 0 : h.mtime,
    typeflag: TYPEFLAG[h.type],
    linkname: pax.has('linkpath') ? asciiPrefix(linkname, 100) : linkname,
    devmajor: h.devmajor ?? 0,
    devminor: h.devminor ?? 0,
  });
  if (pax.size === 0) return block;
  const records = encodePaxRecords(pax);
  const paxBlock = ustarBlock({
    name: '././@PaxHeader',
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: records.length,
    mtime: 0,
    typeflag: 'x',
    linkname: '',
    devmajor: 0,
    devminor: 0,
  });
  return Buffer.concat([paxBlock, records, padding(records.length), block]);
}

/** A printable stand-in for a name that lives in a PAX record (for old readers only). */
function asciiPrefix(s: string, max: number): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    out += c >= 0x20 && c <= 0x7e ? ch : '_';
    if (out.length >= max) break;
  }
  return out.slice(0, max);
}

function ustarBlock(f: RawHeader): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(f.name, 0, 100, 'utf8');
  writeOctal(b, 100, 8, f.mode);
  writeOctal(b, 108, 8, f.uid);
  writeOctal(b, 116, 8, f.gid);
  writeOctal(b, 124, 12, f.size);
  writeOctal(b, 136, 12, f.mtime);
  b.fill(0x20, 148, 156); // checksum placeholder: spaces
  b.write(f.typeflag, 156, 1, 'ascii');
  b.write(f.linkname, 157, 100, 'utf8');
  b.write('ustar\0', 257, 6, 'ascii');
  b.write('00', 263, 2, 'ascii');
  writeOctal(b, 329, 8, f.devmajor);
  writeOctal(b, 337, 8, f.devminor);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return b;
}

/** `width - 1` zero-padded octal digits and a NUL, as ustar writes numbers. */
function writeOctal(b: Buffer, offset: number, width: number, value: number): void {
  b.write(`${Math.trunc(value).toString(8).padStart(width - 1, '0')}\0`, offset, width, 'ascii');
}

/** PAX records `"<len> <key>=<value>\n"`, sorted by key; values are raw bytes. */
export function encodePaxRecords(records: Map<string, Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const key of [...records.keys()].sort()) {
    const value = records.get(key)!;
    const body = Buffer.byteLength(key) + value.length + 3; // ' ' '=' '\n'
    let len = body + String(body).length;
    if (String(len).length !== String(body).length) len = body + String(len).length;
    parts.push(Buffer.from(`${len} ${key}=`), value, Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** Parses PAX records, at most `maxRecords` of them; values stay raw bytes (xattrs are binary). */
export function decodePaxRecords(data: Buffer, maxRecords = Infinity): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  let records = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break;
    if (++records > maxRecords) throw new TarFormatError(`a PAX header with more than ${maxRecords} records`);
    const space = data.indexOf(0x20, pos);
    if (space < 0) throw new TarFormatError('corrupt PAX header: no length');
    const len = Number(data.subarray(pos, space).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length) throw new TarFormatError('corrupt PAX header: bad length');
    const record = data.subarray(space + 1, pos + len - 1); // drop the trailing '\n'
    const eq = record.indexOf(0x3d);
    if (eq < 0) throw new TarFormatError('corrupt PAX header: no "="');
    out.set(record.subarray(0, eq).toString('utf8'), Buffer.from(record.subarray(eq + 1)));
    pos += len;
  }
  return out;
}

/** The fields of one raw 512-byte header block (before PAX/GNU overrides are applied). */
export interface RawHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  devmajor: number;
  devminor: number;
}

/** True for an all-zero block (end-of-archive marker). */
export function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Decodes a header block; throws on a bad checksum. */
export function decodeBlock(b: Buffer): RawHeader {
  const stored = readNumber(b, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : b[i]!;
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  if (stored !== unsigned && stored !== signed) throw new TarFormatError('corrupt tar header: bad checksum');
  const magic = b.subarray(257, 263).toString('latin1');
  let name = readString(b, 0, 100);
  if (magic === 'ustar\0') {
    const prefix = readString(b, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    name,
    mode: readNumber(b, 100, 8),
    uid: readNumber(b, 108, 8),
    gid: readNumber(b, 116, 8),
    size: readNumber(b, 124, 12),
    mtime: readNumber(b, 136, 12),
    typeflag: b[156] === 0 ? '0' : String.fromCharCode(b[156]!),
    linkname: readString(b, 157, 100),
    devmajor: readNumber(b, 329, 8),
    devminor: readNumber(b, 337, 8),
  };
}

function readString(b: Buffer, offset: number, width: number): string {
  const field = b.subarray(offset, offset + width);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? width : nul).toString('utf8');
}

/** Octal (NUL/space terminated) or GNU base-256 (high bit set) numbers. */
function readNumber(b: Buffer, offset: number, width: number): number {
  const first = b[offset]!;
  if (first & 0x80) {
    let v = first & 0x7f;
    for (let i = 1; i < width; i++) v = v * 256 + b[offset + i]!;
    return v;
  }
  const text = b
    .subarray(offset, offset + width)
    .toString('ascii')
    .replace(/[\0 ]+$/, '')
    .replace(/^[\0 ]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`corrupt tar header: bad number ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}

/** The entry type of a typeflag, or undefined for metadata/unsupported flags. */
export function entryType(typeflag: string): TarEntryType | undefined {
  switch (typeflag) {
    case '0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'char';
    case '4':
      return 'block';
    case '5':
      return 'directory';
    case '6':
      return 'fifo';
    default:
      return undefined;
  }
}
