import type { ErrorCode } from '../../errors.js';
import type { ContentKind, Instruction } from '../types.js';

/** What a command parser knows besides its argument text. */
export interface CommandContext {
  /** Line where the command starts. */
  line: number;
  kind: ContentKind;
  /** Throws a KilnError with `code`, its message prefixed with this command's line. */
  fail(code: ErrorCode, detail: string): never;
}

/**
 * Parses the text after the keyword (trimmed, continuations joined; `''` when there is none)
 * into an instruction, or throws through `ctx.fail`.
 */
export type CommandParser = (args: string, ctx: CommandContext) => Instruction;
