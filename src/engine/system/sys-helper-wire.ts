/**
 * The line protocol of the system-call helper (`sys-helper.pl`, where it is described in full):
 * encoding a request, reading a line of its output. Paths and values travel as hex, `-` for the
 * empty string; numbers as decimal.
 */

/** A string (UTF-8) as the helper reads a hex argument. */
export const hex = (s: string): string => (s === '' ? '-' : Buffer.from(s, 'utf8').toString('hex'));
/** The bytes of a hex field. */
export const unhex = (h: string): Buffer => (h === '-' ? Buffer.alloc(0) : Buffer.from(h, 'hex'));

/** One argument of a request: a string (sent as hex) or a number (sent as decimal). */
export type RequestArg = string | number;

/** The request line `<id> <op> <arg>...`. */
export function encodeRequest(id: number, op: string, args: readonly RequestArg[]): string {
  const words = args.map((a) => (typeof a === 'number' ? String(a) : hex(a)));
  return `${[id, op, ...words].join(' ')}\n`;
}

/** A line of the helper's output, read. */
export type HelperLine =
  /** A request answered: the fields of `<id> ok <field>...`. */
  | { kind: 'ok'; id: number; fields: string[] }
  /** A request failed: `errno` is the error's name, '' when no system call failed. */
  | { kind: 'err'; id: number; errno: string; message: string }
  /** Output of a process started by `run`. */
  | { kind: 'out'; run: number; stream: 'stdout' | 'stderr'; data: Buffer }
  /** A process started by `run` exited (`signal` 0: it exited with `code`) and its output is closed. */
  | { kind: 'exit'; run: number; code: number; signal: number }
  /** Not a line the helper writes. */
  | { kind: 'unknown'; line: string };

export function parseLine(line: string): HelperLine {
  const words = line.split(' ');
  if (words[0] === '-') {
    const run = Number(words[2]);
    if (words[1] === 'out' && (words[3] === 'stdout' || words[3] === 'stderr')) return { kind: 'out', run, stream: words[3], data: unhex(words[4] ?? '-') };
    if (words[1] === 'exit') return { kind: 'exit', run, code: Number(words[3]), signal: Number(words[4]) };
    return { kind: 'unknown', line };
  }
  const id = Number(words[0]);
  if (words[1] === 'ok') return { kind: 'ok', id, fields: words.slice(2) };
  if (words[1] === 'err') return { kind: 'err', id, errno: words[2] === '-' ? '' : (words[2] ?? ''), message: unhex(words[3] ?? '-').toString('utf8') };
  return { kind: 'unknown', line };
}

/** Path (relative to the root, '' for the root) → attribute name → raw value. */
export type XattrFields = Map<string, Map<string, Buffer>>;

/** The fields of an `xattrs` reply: `<path>=<name>:<value>,...` per file that has any. */
export function parseXattrFields(fields: readonly string[]): XattrFields {
  const tree: XattrFields = new Map();
  for (const field of fields) {
    const eq = field.indexOf('=');
    const attrs = new Map<string, Buffer>();
    for (const pair of field.slice(eq + 1).split(',')) {
      const colon = pair.indexOf(':');
      attrs.set(unhex(pair.slice(0, colon)).toString('utf8'), unhex(pair.slice(colon + 1)));
    }
    tree.set(unhex(field.slice(0, eq)).toString('utf8'), attrs);
  }
  return tree;
}
