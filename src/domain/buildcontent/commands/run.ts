import type { RunInstruction } from '../types.js';
import type { CommandContext } from './context.js';

// Control characters cannot be passed through Cloud Assistant's RunShellScript intact
// (NUL ends the script); tabs are ordinary shell blanks.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** `RUN <shell command>`: the text is handed to the shell as-is. */
export function parseRun(args: string, ctx: CommandContext): RunInstruction {
  if (args === '') ctx.fail('EmptyCommandContent.RUN', 'RUN needs a shell command');
  if (CONTROL.test(args)) ctx.fail('InvalidCommandContent.RUN', 'RUN contains a control character');
  return { keyword: 'RUN', line: ctx.line, command: args };
}
