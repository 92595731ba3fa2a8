import type { StartupInstruction } from '../types.js';
import type { CommandContext, CommandParser } from './context.js';

/**
 * `CMD` / `ENTRYPOINT`: exec form `["exe","arg"]` or shell form `exe arg`. Unlike Docker,
 * which silently falls back to the shell form when the JSON is broken, text starting with
 * `[` must be a valid JSON array of strings: a typo then fails at creation instead of
 * producing a startup command that runs `[` at boot.
 */
export function startupParser(keyword: 'CMD' | 'ENTRYPOINT'): CommandParser {
  return (args: string, ctx: CommandContext): StartupInstruction => {
    if (args === '') ctx.fail(`EmptyCommandContent.${keyword}`, `${keyword} needs a command`);
    if (!args.startsWith('[')) return { keyword, line: ctx.line, form: 'shell', command: args };

    const invalid = (d: string): never => ctx.fail(`InvalidCommandContent.${keyword}`, d);
    let parsed: unknown;
    try {
      parsed = JSON.parse(args);
    } catch {
      return invalid(`${keyword} exec form must be a JSON array of strings, e.g. ["executable","param1"]`);
    }
    if (!Array.isArray(parsed) || !parsed.every((a): a is string => typeof a === 'string')) {
      return invalid(`${keyword} exec form must be a JSON array of strings, e.g. ["executable","param1"]`);
    }
    if (parsed.length === 0) ctx.fail(`EmptyCommandContent.${keyword}`, `${keyword} needs a command`);
    if (parsed[0] === '') invalid(`${keyword} exec form has an empty executable`);
    return { keyword, line: ctx.line, form: 'exec', argv: parsed };
  };
}
