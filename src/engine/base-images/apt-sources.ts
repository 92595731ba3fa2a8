import { readFile } from 'node:fs/promises';

/** One `deb` source: a stanza of a deb822 `.sources` file, or one line of a `sources.list`. */
export interface AptSource {
  uris: string[];
  suites: string[];
  components: string[];
  /** A keyring path, or an inline ASCII-armoured key (deb822 multi-line value, lines joined by `\n`). */
  signedBy?: string;
}

/** The machine's Debian sources, as the base image is bootstrapped from and points apt at. */
export interface DebianSources {
  /** The first URI of the first `deb` source: the mirror. */
  mirror: string;
  /** The first suite of the first `deb` source (e.g. `bookworm`, `trixie`): what is bootstrapped. */
  suite: string;
  /** Every `deb` source, in order (deb-src and disabled ones dropped). */
  sources: AptSource[];
  /** Where they were read from. */
  file: string;
}

export const DEB822_FILE = '/etc/apt/sources.list.d/debian.sources';
export const ONE_LINE_FILE = '/etc/apt/sources.list';

/**
 * The machine's configured Debian sources: `/etc/apt/sources.list.d/debian.sources` (deb822, the
 * Debian 12+ default) or else `/etc/apt/sources.list` (one-line format). Throws when neither
 * names a `deb` source.
 */
export async function readDebianSources(files: { deb822?: string; oneLine?: string } = {}): Promise<DebianSources> {
  const candidates: Array<[string, (text: string) => AptSource[]]> = [
    [files.deb822 ?? DEB822_FILE, parseDeb822Sources],
    [files.oneLine ?? ONE_LINE_FILE, parseOneLineSources],
  ];
  for (const [file, parse] of candidates) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    const sources = parse(text);
    const first = sources[0];
    if (first) return { mirror: first.uris[0]!, suite: first.suites[0]!, sources, file };
  }
  throw new Error(`no Debian mirror is configured on this machine: neither ${candidates.map(([f]) => f).join(' nor ')} names a "deb" source`);
}

/**
 * The `deb` sources of a deb822 file: stanzas separated by blank lines, `Field: value` with
 * continuation lines starting with a space or tab (` .` is an empty line), `#` comment lines
 * anywhere. Field names are case-insensitive; `Enabled: no` stanzas and those without `deb`
 * in `Types` are skipped, as are stanzas missing URIs or Suites.
 */
export function parseDeb822Sources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const fields of deb822Stanzas(text)) {
    const list = (name: string) => (fields.get(name) ?? '').split(/\s+/).filter((w) => w !== '');
    if (!list('types').includes('deb')) continue;
    if ((fields.get('enabled') ?? 'yes').trim().toLowerCase() === 'no') continue;
    const uris = list('uris');
    const suites = list('suites');
    if (uris.length === 0 || suites.length === 0) continue;
    const source: AptSource = { uris, suites, components: list('components') };
    const signedBy = fields.get('signed-by')?.trim();
    if (signedBy) source.signedBy = signedBy;
    out.push(source);
  }
  return out;
}

function deb822Stanzas(text: string): Array<Map<string, string>> {
  const stanzas: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  let last: string | undefined;
  const flush = () => {
    if (current.size > 0) stanzas.push(current);
    current = new Map();
    last = undefined;
  };
  for (const raw of text.split(/\r?\n/)) {
    if (raw.startsWith('#')) continue;
    if (raw.trim() === '') {
      flush();
      continue;
    }
    if (/^[ \t]/.test(raw)) {
      if (last === undefined) continue; // a continuation with nothing to continue
      const line = raw.trim() === '.' ? '' : raw.trim();
      current.set(last, `${current.get(last)}\n${line}`);
      continue;
    }
    const colon = raw.indexOf(':');
    if (colon <= 0) continue;
    last = raw.slice(0, colon).trim().toLowerCase();
    current.set(last, raw.slice(colon + 1).trim());
  }
  flush();
  return stanzas;
}

/**
 * The `deb` lines of a one-line `sources.list`: `deb [opt=value ...] URI SUITE [COMPONENT...]`.
 * Comments (`#` to the end of the line) and `deb-src` lines are skipped; `signed-by` is kept.
 */
export function parseOneLineSources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.replace(/#.*$/, '').trim();
    if (!/^deb\s/.test(line)) continue;
    line = line.slice(3).trim();
    let signedBy: string | undefined;
    const options = /^\[([^\]]*)\]\s*/.exec(line);
    if (options) {
      line = line.slice(options[0].length);
      for (const opt of options[1]!.trim().split(/\s+/)) {
        const m = /^signed-by=(.+)$/i.exec(opt);
        if (m) signedBy = m[1];
      }
    }
    const [uri, suite, ...components] = line.split(/\s+/);
    if (!uri || !suite) continue;
    out.push({ uris: [uri], suites: [suite], components, ...(signedBy ? { signedBy } : {}) });
  }
  return out;
}

/**
 * deb822 text for sources: what the image's `/etc/apt/sources.list.d/debian.sources` holds and
 * what mmdebstrap reads from its standard input. `keepSignedBy` decides, per keyring path,
 * whether it stays (inline keys always do).
 */
export function formatDeb822Sources(sources: readonly AptSource[], keepSignedBy: (path: string) => boolean = () => true): string {
  return sources
    .map((s) => {
      const lines = ['Types: deb', `URIs: ${s.uris.join(' ')}`, `Suites: ${s.suites.join(' ')}`];
      if (s.components.length > 0) lines.push(`Components: ${s.components.join(' ')}`);
      if (s.signedBy !== undefined) {
        const inline = s.signedBy.includes('\n');
        if (inline) lines.push(`Signed-By: ${s.signedBy.split('\n').map((l, i) => (i === 0 ? l : ` ${l === '' ? '.' : l}`)).join('\n')}`);
        else if (keepSignedBy(s.signedBy)) lines.push(`Signed-By: ${s.signedBy}`);
      }
      return `${lines.join('\n')}\n`;
    })
    .join('\n');
}
