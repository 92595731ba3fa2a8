/*
 * Hand-crafted tar members for hostile layers: every header is written here, byte by byte, so
 * an archive can say what no honest writer would (`..`, absolute names, PAX records that rename
 * a member, GNU long names, hardlinks to anywhere) without going through Kiln's own writer.
 */

const BLOCK = 512;

export interface Member {
  name: string;
  /** ustar typeflag: 0 file, 1 hardlink, 2 symlink, 3 char, 4 block, 5 directory, 6 fifo. */
  type: '0' | '1' | '2' | '3' | '4' | '5' | '6';
  body?: Buffer;
  linkname?: string;
  mode?: number;
  mtime?: number;
  devmajor?: number;
  devminor?: number;
  /** Extra PAX records for this member (e.g. `path`, `linkpath`, `SCHILY.xattr.user.x`). */
  pax?: Record<string, string>;
}

function octal(b: Buffer, offset: number, width: number, value: number): void {
  b.write(`${value.toString(8).padStart(width - 1, '0')}\0`, offset, width, 'ascii');
}

function header(f: { name: string; type: string; size: number; linkname: string; mode: number; mtime: number; devmajor: number; devminor: number }): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(f.name, 0, 100, 'utf8');
  octal(b, 100, 8, f.mode);
  octal(b, 108, 8, 0);
  octal(b, 116, 8, 0);
  octal(b, 124, 12, f.size);
  octal(b, 136, 12, f.mtime);
  b.fill(0x20, 148, 156);
  b.write(f.type, 156, 1, 'ascii');
  b.write(f.linkname, 157, 100, 'utf8');
  b.write('ustar\0', 257, 6, 'ascii');
  b.write('00', 263, 2, 'ascii');
  octal(b, 329, 8, f.devmajor);
  octal(b, 337, 8, f.devminor);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return b;
}

function padded(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest)]);
}

function paxRecords(records: Record<string, string>): Buffer {
  let out = '';
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    let len = Buffer.byteLength(body) + 1;
    while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
    out += `${len}${body}`;
  }
  return Buffer.from(out);
}

/** A PAX extended header (`x`) followed by nothing: the next member gets its records. */
export function paxHeader(records: Record<string, string>): Buffer {
  const data = paxRecords(records);
  return Buffer.concat([header({ name: 'PaxHeader', type: 'x', size: data.length, linkname: '', mode: 0o644, mtime: 0, devmajor: 0, devminor: 0 }), padded(data)]);
}

/** A GNU long name (`L`) header: the next member's name is `name`, whatever its own header says. */
export function gnuLongName(name: string): Buffer {
  const data = Buffer.from(`${name}\0`);
  return Buffer.concat([header({ name: '././@LongLink', type: 'L', size: data.length, linkname: '', mode: 0o644, mtime: 0, devmajor: 0, devminor: 0 }), padded(data)]);
}

/** One member; names or link targets over 100 bytes get a PAX record, as a real writer would do. */
export function member(m: Member): Buffer {
  const body = m.body ?? Buffer.alloc(0);
  const pax: Record<string, string> = { ...(m.pax ?? {}) };
  if (Buffer.byteLength(m.name) > 100 && pax.path === undefined) pax.path = m.name;
  if (m.linkname && Buffer.byteLength(m.linkname) > 100 && pax.linkpath === undefined) pax.linkpath = m.linkname;
  const parts: Buffer[] = [];
  if (Object.keys(pax).length > 0) parts.push(paxHeader(pax));
  parts.push(header({
    name: m.name.slice(0, 100),
    type: m.type,
    size: m.type === '0' ? body.length : 0,
    linkname: (m.linkname ?? '').slice(0, 100),
    mode: m.mode ?? (m.type === '5' ? 0o755 : m.type === '2' ? 0o777 : 0o644),
    mtime: m.mtime ?? 1_600_000_000,
    devmajor: m.devmajor ?? 0,
    devminor: m.devminor ?? 0,
  }));
  if (m.type === '0') parts.push(padded(body));
  return Buffer.concat(parts);
}

/** The archive: the pieces in order, then the end-of-archive marker. */
export function tarOf(...pieces: Buffer[]): Buffer {
  return Buffer.concat([...pieces, Buffer.alloc(BLOCK * 2)]);
}

export const file = (name: string, content = 'x', extra: Partial<Member> = {}): Buffer => member({ name, type: '0', body: Buffer.from(content), ...extra });
export const dir = (name: string, extra: Partial<Member> = {}): Buffer => member({ name: name.endsWith('/') ? name : `${name}/`, type: '5', ...extra });
export const symlink = (name: string, target: string): Buffer => member({ name, type: '2', linkname: target });
export const hardlink = (name: string, target: string, extra: Partial<Member> = {}): Buffer => member({ name, type: '1', linkname: target, ...extra });
export const charDev = (name: string, major: number, minor: number): Buffer => member({ name, type: '3', devmajor: major, devminor: minor });
export const blockDev = (name: string, major: number, minor: number): Buffer => member({ name, type: '4', devmajor: major, devminor: minor });
export const fifo = (name: string): Buffer => member({ name, type: '6' });
