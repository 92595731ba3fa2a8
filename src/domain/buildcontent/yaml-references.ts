import type { ParameterType } from '../component.js';
import type { Fail } from './tokens.js';
import type { YamlAction } from './types.js';
import { ACTIONS } from './yaml-actions.js';

/**
 * `{{ name }}` / `{{name}}` (a parameter) and `{{ task.output }}` (an earlier task's output).
 * Only text that fits this grammar is a reference: `{{.State.Running}}` in a `docker
 * inspect --format` command, or any other `{{ … }}` that is not a bare name, stays literal.
 */
const REFERENCE = /\{\{\s*([A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_-]+))?\s*\}\}/g;

/** A whole value that is exactly one parameter reference. */
export const WHOLE_PARAMETER_REFERENCE = /^\{\{\s*([A-Za-z0-9_-]+)\s*\}\}$/;

/** What a task's properties may refer to. */
export interface ReferenceScope {
  parameters: ReadonlyMap<string, ParameterType>;
  /** Tasks that run before the current one. */
  earlierTasks: ReadonlyMap<string, YamlAction>;
  /** Every task name in the component (to tell "later task" from "no such task"). */
  allTasks: ReadonlySet<string>;
}

/** Checks every reference in `text`; reports the first bad one through `fail`. */
export function checkReferences(text: string, scope: ReferenceScope, fail: Fail): void {
  for (const m of text.matchAll(REFERENCE)) {
    const [ref, name = '', output] = m;
    if (output === undefined) {
      if (!scope.parameters.has(name)) fail(`${ref} refers to parameter "${name}", which is not declared in Parameters`);
      continue;
    }
    const action = scope.earlierTasks.get(name);
    if (action === undefined) {
      fail(
        scope.allTasks.has(name)
          ? `${ref} refers to task "${name}", which does not run before this task`
          : `${ref} refers to task "${name}", which does not exist`,
      );
    }
    if (output !== 'stdout') fail(`${ref}: tasks only expose "stdout"`);
    if (!ACTIONS[action].hasStdout) fail(`${ref}: task "${name}" (${action}) has no stdout`);
  }
}
