import type { ImageComponent } from '../component.js';
import type { ErrorCode } from '../errors.js';
import { lineError } from './errors.js';
import type { ComponentInstruction, ParsedContent } from './types.js';
import { isValidParameterValue } from './values.js';

/**
 * The final parameter values for one COMPONENT line: every `--name value` must be declared
 * by the component and fit its type; every declared parameter gets the given value or its
 * default, and one with neither is an error. A Dockerfile-style component declares nothing,
 * so it takes no parameters at all. `code` is the field's `InvalidParameter.*` code.
 */
export function bindParameters(
  instruction: ComponentInstruction,
  component: ImageComponent,
  content: ParsedContent,
  code: ErrorCode,
): Record<string, string> {
  const fail = (detail: string): never => {
    throw lineError(code, instruction.line, `component ${component.id} (${component.name} ${component.componentVersion}): ${detail}`);
  };
  const given = Object.entries(instruction.params);
  if (content.format === 'dockerfile') {
    if (given.length > 0) fail(`it is Dockerfile-style and takes no parameters, got --${given[0]![0]}`);
    return {};
  }

  const declared = new Map(content.component.parameters.map((p) => [p.name, p]));
  for (const [name, value] of given) {
    const p = declared.get(name);
    if (p === undefined) return fail(`it declares no parameter "${name}"`);
    if (!isValidParameterValue(p.type, value)) fail(`--${name} must be a ${p.type}, got "${value}"`);
  }
  const values: [string, string][] = [];
  for (const p of declared.values()) {
    const value = Object.hasOwn(instruction.params, p.name) ? instruction.params[p.name] : p.defaultValue;
    if (value === undefined) return fail(`parameter "${p.name}" has no default, so --${p.name} is required`);
    values.push([p.name, value]);
  }
  return Object.fromEntries(values);
}
