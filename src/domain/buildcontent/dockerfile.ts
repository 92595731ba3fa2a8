import { COMMAND_PARSERS, isKeyword, type CommandContext } from './commands/index.js';
import { lineError } from './errors.js';
import { MAX_COMMANDS, tooManyCommands } from './limits.js';
import { splitLogicalLines } from './lines.js';
import type { ContentKind, Instruction } from './types.js';

const HEAD = /^(\S+)(?:[ \t]+([\s\S]*))?$/;

/**
 * Parses Dockerfile-style content into instructions, enforcing the rules that need the
 * whole content: the command count, where FROM may appear, and COMPONENT's absence from
 * components. The size limit is checked by the caller (it applies to YAML as well).
 */
export function parseDockerfile(text: string, kind: ContentKind): Instruction[] {
  const lines = splitLogicalLines(text);
  // Counted before parsing: the limit is about the whole content, and a 500-line paste
  // should learn that first rather than fix line-by-line errors it will delete anyway.
  if (lines.length > MAX_COMMANDS) tooManyCommands(lines.length, lines[MAX_COMMANDS]!.line);

  const instructions: Instruction[] = [];
  let sawFrom = false;
  for (const [index, { line, text: commandText }] of lines.entries()) {
    const m = HEAD.exec(commandText);
    const keyword = m?.[1] ?? commandText;
    const args = (m?.[2] ?? '').trim();
    if (!isKeyword(keyword)) {
      throw lineError(
        'InvalidImageTemplateCommand.NotSupported',
        line,
        `unsupported command "${keyword}"; supported (uppercase): ${Object.keys(COMMAND_PARSERS).join(', ')}`,
      );
    }
    if (keyword === 'COMPONENT' && kind === 'component') {
      throw lineError('InvalidCommand.Component', line, 'an image component cannot contain a COMPONENT command');
    }
    if (keyword === 'FROM') {
      if (kind !== 'build') {
        const where = kind === 'component' ? 'an image component' : 'TestContent';
        throw lineError('NotSupportedCommand.FROM', line, `FROM is not allowed in ${where}`);
      }
      if (sawFrom) throw lineError('DuplicatedCommand.FROM', line, 'FROM may appear only once');
      if (index > 0) throw lineError('InvalidCommandOrder.FROM', line, 'FROM must be the first command');
      sawFrom = true;
    }
    const ctx: CommandContext = { line, kind, fail: (code, detail) => { throw lineError(code, line, detail); } };
    instructions.push(COMMAND_PARSERS[keyword](args, ctx));
  }
  return instructions;
}
