import type { UserInstruction } from '../types.js';
import type { CommandContext } from './context.js';

// A Linux user name or numeric uid, optionally `:group` as Docker allows. Kept strict
// because the engine passes it to Cloud Assistant as the run-as user.
const USER = /^[A-Za-z0-9._][A-Za-z0-9._-]*\$?(?::[A-Za-z0-9._][A-Za-z0-9._-]*)?$/;

/** `USER <username>`: one word; the user must exist on the instance at build time. */
export function parseUser(args: string, ctx: CommandContext): UserInstruction {
  if (args === '') ctx.fail('EmptyCommandContent.USER', 'USER needs a user name');
  if (/\s/.test(args)) ctx.fail('InvalidCommandContent.USER', `USER takes one user name, got "${args}"`);
  if (!USER.test(args)) ctx.fail('InvalidCommandContent.USER', `"${args}" is not a valid user name`);
  return { keyword: 'USER', line: ctx.line, user: args };
}
