import type { Operation } from '../operation.js';
import type { AnyParam, Fields, ScalarParam } from './param.js';

/*
 * console/src/api/operations.generated.ts, printed from the operations' specs (the same specs
 * docs/operations.md is printed from): the console's `call(action, params)` is typed by it, so
 * a misspelt action or parameter, or a value outside an enumeration, does not compile.
 * `npm run docs` writes it; a test checks the file equals this output.
 *
 * Parameters are the flat wire names the RPC endpoint reads (`ImageOptions.ImageName`); lists
 * and object lists are template-literal index signatures, a position written
 * as ${number} (the key Tag.${number}.Key, of type string).
 * Values are what a browser may hold before the client turns them into strings: integers
 * `number | string`, booleans `boolean | string`. A parameter is required when its spec says so.
 */

/** One member of a generated parameter type: a property or an index signature. */
interface Member {
  /** A wire name (RegionId), or a pattern with ${number} for positions (Tag.${number}.Key: an index signature). */
  key: string;
  pattern: boolean;
  type: string;
  required: boolean;
}

function literal(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function scalarType(p: ScalarParam): string {
  if (p.enum) return p.enum.values.map(literal).join(' | ');
  switch (p.kind) {
    case 'integer': return 'number | string';
    case 'boolean': return 'boolean | string';
    default: return 'string';
  }
}

/** The members for `param` at `prefix` (a wire-name prefix, `${number}` where a position goes). */
function membersOf(param: AnyParam, prefix: string, inList: boolean): Member[] {
  const name = `${prefix}${param.wire}`;
  switch (param.kind) {
    case 'struct':
      return fieldMembers(param.fields, `${name}.`, inList);
    case 'objects':
      return fieldMembers(param.fields, `${name}.\${number}.`, true);
    case 'list': {
      const item: Member = { key: `${name}.\${number}`, pattern: true, type: scalarType(param.item), required: false };
      // A comma-separated list is also taken as one `Name=a,b` parameter.
      return param.csv ? [{ key: name, pattern: inList, type: 'string', required: false }, item] : [item];
    }
    default:
      return [{ key: name, pattern: inList, type: scalarType(param), required: !inList && param.required !== undefined }];
  }
}

function fieldMembers(fields: Fields, prefix: string, inList: boolean): Member[] {
  return Object.values(fields).flatMap((p) => membersOf(p, prefix, inList));
}

function memberLine(m: Member): string {
  if (m.pattern) return `    [k: \`${m.key}\`]: ${m.type};`;
  const key = /^[A-Za-z_$][\w$]*$/.test(m.key) ? m.key : literal(m.key);
  return `    ${key}${m.required ? '' : '?'}: ${m.type};`;
}

/** The whole of console/src/api/operations.generated.ts for `operations`, in alphabetical order of action. */
export function consoleOperationTypes(operations: Iterable<Operation>): string {
  const ops = [...operations].sort((a, b) => a.action.localeCompare(b.action));
  return [
    '// Generated from the operation specs (src/api/operations/) by src/api/operations/spec/console-types.ts; do not edit.',
    '// Regenerate: npm run docs',
    '',
    '/** Every action the console can call (`POST /console/api/call`). */',
    'export type ActionName =',
    ...ops.map((op, i) => `  | ${literal(op.action)}${i === ops.length - 1 ? ';' : ''}`),
    '',
    '/** Each action\'s parameters by flat wire name, as the RPC endpoint reads them. */',
    'export interface OperationParams {',
    ...ops.flatMap((op) => [
      `  ${op.action}: {`,
      ...fieldMembers(op.params, '', false).map(memberLine),
      '  };',
    ]),
    '}',
    '',
    '/** The parameters of `A`. */',
    'export type ParamsOf<A extends ActionName> = OperationParams[A];',
    '',
  ].join('\n');
}
