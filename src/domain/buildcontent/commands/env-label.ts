import { contentParameterCode } from '../errors.js';
import { parsePairs, unquoteWhole, type Fail } from '../tokens.js';
import type { EnvInstruction, LabelInstruction } from '../types.js';
import type { CommandContext } from './context.js';

// ENV values end up exported to a shell, so names must be shell identifiers.
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Label keys are free-form metadata (`com.example.vendor`), but quotes and backslashes in
// keys would only be mistakes.
const LABEL_KEY = /^[^"'\\]+$/;

/**
 * The two forms Docker and the reference accept, told apart like Docker does: if the first
 * word contains `=` it is the pair form (`k1="v1" k2="v2"`), otherwise `key value` where the
 * value is the rest of the line (unquoted if it is one double-quoted string).
 */
function parseKeyValues(args: string, isKey: (k: string) => boolean, what: string, fail: Fail): [string, string][] {
  const first = args.split(/[ \t]/, 1)[0] ?? '';
  if (first.includes('=')) return parsePairs(args, isKey, fail);
  if (!isKey(first)) fail(`invalid ${what} "${first}"`);
  const rest = args.slice(first.length).trim();
  if (rest === '') fail(`"${first}" has no value; write ${first}="value" or ${first} value`);
  return [[first, unquoteWhole(rest, fail) ?? rest]];
}

/** `ENV key value` or `ENV k1="v1" k2="v2"`. */
export function parseEnv(args: string, ctx: CommandContext): EnvInstruction {
  if (args === '') ctx.fail('EmptyCommandContent.ENV', 'ENV needs key=value pairs');
  const fail: Fail = (d) => ctx.fail('InvalidCommandContent.ENV', d);
  return { keyword: 'ENV', line: ctx.line, pairs: parseKeyValues(args, (k) => ENV_NAME.test(k), 'variable name', fail) };
}

/**
 * `LABEL k="v" …` (also `LABEL key value`). No `InvalidCommandContent.LABEL` code is
 * documented, so malformed labels use the field's generic `InvalidParameter.*` code.
 */
export function parseLabel(args: string, ctx: CommandContext): LabelInstruction {
  if (args === '') ctx.fail('EmptyCommandContent.LABEL', 'LABEL needs key="value" pairs');
  const fail: Fail = (d) => ctx.fail(contentParameterCode(ctx.kind), `LABEL: ${d}`);
  return { keyword: 'LABEL', line: ctx.line, pairs: parseKeyValues(args, (k) => LABEL_KEY.test(k), 'label key', fail) };
}
