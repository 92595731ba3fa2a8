import { splitWords, type Fail } from '../tokens.js';
import type { WorkdirInstruction } from '../types.js';
import type { CommandContext } from './context.js';

/** `WORKDIR <path>`: one path; a path with blanks must be double-quoted. Relative paths are allowed. */
export function parseWorkdir(args: string, ctx: CommandContext): WorkdirInstruction {
  if (args === '') ctx.fail('EmptyCommandContent.WORKDIR', 'WORKDIR needs a path');
  const fail: Fail = (d) => ctx.fail('InvalidCommandContent.WORKDIR', d);
  const words = splitWords(args, fail);
  if (words.length !== 1) fail(`WORKDIR takes one path, got ${words.length} words; quote a path that contains blanks`);
  const path = words[0]!.text;
  if (path === '') ctx.fail('EmptyCommandContent.WORKDIR', 'WORKDIR needs a path');
  return { keyword: 'WORKDIR', line: ctx.line, path };
}
