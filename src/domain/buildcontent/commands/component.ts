import { parseComponentArgs } from '../component-ref.js';
import { contentParameterCode } from '../errors.js';
import type { ComponentInstruction } from '../types.js';
import type { CommandContext } from './context.js';

/**
 * `COMPONENT <id|arn> [--name value]...`. No COMPONENT-specific syntax code exists, so
 * syntax errors use the field's `InvalidParameter.BuildContent` / `.TestContent`. Whether
 * COMPONENT is allowed at all (not in a component) is the caller's check.
 */
export function parseComponent(args: string, ctx: CommandContext): ComponentInstruction {
  const { ref, params } = parseComponentArgs(args, (d) => ctx.fail(contentParameterCode(ctx.kind), `COMPONENT: ${d}`));
  return { keyword: 'COMPONENT', line: ctx.line, ref, params };
}
