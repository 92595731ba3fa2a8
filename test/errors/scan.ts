import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every file under `dir` (relative to the root) whose name passes `keep`, as [path, text]. */
export function readTree(dir: string, keep: (path: string) => boolean): [string, string][] {
  const out: [string, string][] = [];
  const walk = (abs: string): void => {
    for (const entry of readdirSync(abs)) {
      const p = join(abs, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (keep(relative(ROOT, p))) out.push([relative(ROOT, p), readFileSync(p, 'utf8')]);
    }
  };
  walk(join(ROOT, dir));
  return out;
}

/** One code-like literal found in src/: the code (or a family prefix ending in `.`) and where. */
export interface Found {
  code: string;
  file: string;
  line: number;
  /** `prefix`: a template literal such as `` `MissingParameter.${name}` ``, whose code is the prefix plus anything. */
  kind: 'literal' | 'prefix';
}

const CODE = String.raw`[A-Z][A-Za-z0-9]*(?:\.[A-Za-z0-9_-]+)*`;
const DOTTED = /'([A-Z][A-Za-z0-9]*(?:\.[A-Za-z0-9_-]+)+)'/g;
const PREFIX = /`([A-Z][A-Za-z0-9]*\.)\$\{/g;
/**
 * Places where a code without a dot is written: the first argument of the error
 * constructors and builders, `code`/`errorCode` fields and comparisons, code constants, the
 * protocol errors of the HTTP server, and the server faults passed through as themselves.
 */
const CONTEXTS = [
  String.raw`(?:new\s+(?:KilnError|StepFailure|StoreError)|\b(?:fault|lineError|fail|isStoreError|violation|notInList|notSupported|notAnInteger|messageOf)|\bsuper)\(\s*'(${CODE})'`,
  String.raw`\b(?:errorCode|code)\s*(?::|===|!==|\?\?)\s*'(${CODE})'`,
  String.raw`\bconst\s+[A-Z][A-Z0-9_]*\s*=\s*'(${CODE})'`,
  String.raw`\bsendProtocolError\([^']*'(${CODE})'`,
  String.raw`\bPASSED_SERVER_FAULTS\b[^;]*?\[\s*'(${CODE})'(?:\s*,\s*'(${CODE})')*`,
].map((p) => new RegExp(p, 'g'));

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** Every code-like literal of the src/ files given (the registry's own files excluded by the caller). */
export function scanCodes(files: [string, string][]): Found[] {
  const found: Found[] = [];
  for (const [file, text] of files) {
    for (const m of text.matchAll(DOTTED)) found.push({ code: m[1]!, file, line: lineOf(text, m.index), kind: 'literal' });
    for (const m of text.matchAll(PREFIX)) found.push({ code: m[1]!, file, line: lineOf(text, m.index), kind: 'prefix' });
    for (const re of CONTEXTS) {
      for (const m of text.matchAll(re)) {
        for (const code of m.slice(1)) if (code) found.push({ code, file, line: lineOf(text, m.index), kind: 'literal' });
      }
    }
  }
  return found;
}
