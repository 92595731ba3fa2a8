import { splitWords, type Fail } from '../tokens.js';
import type { CopyInstruction } from '../types.js';
import type { CommandContext } from './context.js';

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// The build engine fetches URL sources with wget, so only what wget speaks.
const FETCHABLE = new Set(['http', 'https', 'ftp']);

/**
 * `COPY <URL|local path> <local dest dir>`: exactly two words (double-quote a path with
 * blanks). URLs with a query string are rejected because the reference says they are not
 * supported (the service downloads them with wget and a `?` breaks the target file name).
 */
export function parseCopy(args: string, ctx: CommandContext): CopyInstruction {
  if (args === '') ctx.fail('EmptyCommandContent.COPY', 'COPY needs a source and a destination');
  const fail: Fail = (d) => ctx.fail('InvalidCommandContent.COPY', d);
  const words = splitWords(args, fail);
  if (words.length !== 2) fail(`COPY takes exactly 2 arguments (<source> <destination>), got ${words.length}`);
  const source = words[0]!.text;
  const dest = words[1]!.text;
  if (source === '' || dest === '') fail('COPY source and destination must not be empty');
  if (SCHEME.test(dest)) fail(`the destination "${dest}" must be a local path`);

  const scheme = SCHEME.exec(source)?.[1]?.toLowerCase();
  if (scheme === undefined) return { keyword: 'COPY', line: ctx.line, source, dest, sourceKind: 'path' };
  if (!FETCHABLE.has(scheme)) fail(`unsupported URL scheme "${scheme}"; use http, https or ftp`);
  if (source.includes('?')) fail(`query strings in URLs are not supported: ${source}`);
  if (!URL.canParse(source)) fail(`"${source}" is not a valid URL`);
  return { keyword: 'COPY', line: ctx.line, source, dest, sourceKind: 'url' };
}
