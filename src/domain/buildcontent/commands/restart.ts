import type { RestartInstruction } from '../types.js';
import type { CommandContext } from './context.js';

/** `RESTART`: reboots the intermediate instance; takes no argument. */
export function parseRestart(args: string, ctx: CommandContext): RestartInstruction {
  if (args !== '') ctx.fail('NotEmptyCommandContent.RESTART', `RESTART takes no argument, got "${args}"`);
  return { keyword: 'RESTART', line: ctx.line };
}
