import { LineCounter, isAlias, isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';
import { lineError } from './errors.js';


// A value written as `key: {{ x }}` is, to YAML, a flow mapping whose only key is another
// flow mapping. The reference's own example writes references that way, so such a node is
// read back as the reference text it was meant to be.
const BARE_REFERENCE = /^\{\{\s*[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)?\s*\}\}$/;

/** A key of a YAML mapping with its (alias-resolved) value and where the key is. */
export interface Entry {
  keyLine: number;
  value: unknown;
}

/**
 * A parsed YAML document plus what is needed to point at lines: every error names the
 * line of the node it is about (via `LineCounter` and the node's `range`).
 */
export class YamlSource {
  private readonly lineCounter = new LineCounter();
  readonly doc;

  constructor(private readonly source: string) {
    // uniqueKeys makes a repeated key (two `Tasks:`) a syntax error instead of last-wins.
    this.doc = parseDocument(source, { lineCounter: this.lineCounter, uniqueKeys: true });
  }

  /** Throws the first YAML syntax error, if any, at its line. */
  checkSyntax(): void {
    const err = this.doc.errors[0];
    if (err === undefined) return;
    const line = err.linePos?.[0].line ?? this.lineAt(err.pos[0]);
    // yaml appends " at line L, column C:" and a source excerpt; our prefix already says where.
    const summary = (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    this.fail(line, `YAML syntax error: ${summary}`);
  }

  fail(line: number, detail: string): never {
    throw lineError('InvalidParameter.Content', line, detail);
  }

  lineAt(offset: number): number {
    return this.lineCounter.linePos(offset).line;
  }

  /** Line where `node` starts, or `fallback` for nodes without a position. */
  lineOf(node: unknown, fallback = 1): number {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range ? this.lineAt(range[0]) : fallback;
  }

  /** Follows an alias (`*anchor`) to the node it names. */
  deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  isNull(node: unknown): boolean {
    return node === null || node === undefined || (isScalar(node) && node.value === null);
  }

  /**
   * The keys of `map` in source order. Keys must be strings; with `allowed`, any other key
   * is an error (a misspelt `Propertys:` should not be silently ignored).
   */
  entries(map: YAMLMap, where: string, allowed?: ReadonlySet<string>): Map<string, Entry> {
    const out = new Map<string, Entry>();
    for (const pair of map.items) {
      const keyLine = this.lineOf(pair.key, this.lineOf(map));
      const key = this.deref(pair.key);
      if (!isScalar(key) || typeof key.value !== 'string') this.fail(keyLine, `keys in ${where} must be strings`);
      const name = key.value;
      if (allowed && !allowed.has(name)) {
        this.fail(keyLine, `unknown key "${name}" in ${where}; allowed: ${[...allowed].join(', ')}`);
      }
      out.set(name, { keyLine, value: this.deref(pair.value) });
    }
    return out;
  }

  /**
   * A scalar as the text the author wrote: strings as parsed, numbers and booleans as in
   * the source (`1.0` stays `1.0`), a bare `{{ ref }}` as its text. Undefined for null,
   * collections and anything else.
   */
  scalarText(node: unknown): string | undefined {
    const n = this.deref(node);
    if (isScalar(n)) {
      if (typeof n.value === 'string') return n.value;
      if (typeof n.value === 'number' || typeof n.value === 'boolean') return n.source || String(n.value);
      return undefined;
    }
    return this.bareReference(n);
  }

  /** The text of a `{{ ref }}` written unquoted as a whole value (see BARE_REFERENCE). */
  bareReference(node: unknown): string | undefined {
    if (!isMap(node) || !node.flow || !node.range) return undefined;
    const written = this.source.slice(node.range[0], node.range[1]);
    return BARE_REFERENCE.test(written) ? written : undefined;
  }
}
