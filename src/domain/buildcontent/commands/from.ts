import type { FromInstruction } from '../types.js';
import type { CommandContext } from './context.js';

const FROM = /^(IMAGE|IMAGE_FAMILY):(\S+)$/;

/**
 * `FROM IMAGE:<imageId>` / `FROM IMAGE_FAMILY:<family>`. Deprecated and ignored by the
 * build (the template's BaseImageType/BaseImage win), but still validated so old content
 * that was accepted stays accepted and garbage is still refused. Where FROM may appear is
 * checked by the caller, which sees the whole content.
 */
export function parseFrom(args: string, ctx: CommandContext): FromInstruction {
  const m = FROM.exec(args);
  if (!m) ctx.fail('InvalidCommandContent.FROM', `FROM takes IMAGE:<imageId> or IMAGE_FAMILY:<family>, got "${args}"`);
  return { keyword: 'FROM', line: ctx.line, baseImageType: m[1] as 'IMAGE' | 'IMAGE_FAMILY', baseImage: m[2]! };
}
