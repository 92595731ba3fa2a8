import type { Operation } from '../operation.js';
import type { AnyParam, Fields, ScalarParam, Violation } from './param.js';

/*
 * docs/operations.md, printed from the operations' specs: one table per operation with every
 * parameter's wire name, type, whether it is required (or its default), its constraints and
 * the code each violation answers with. `npm run docs` writes it; a test checks
 * the file equals this output.
 */

interface Row {
  name: string;
  type: string;
  required: string;
  constraints: string[];
  errors: string[];
  doc?: string;
}

/** The code a violation answers with, for a parameter documented as `name`. */
function codeOf(v: Violation, name: string): string {
  return v.error({ name, path: name, value: '', allowed: [] }).code;
}

function scalarType(p: ScalarParam): string {
  if (p.enum) return 'enum';
  return p.kind === 'json' ? 'JSON' : p.kind;
}

function bounds(min: number | undefined, max: number | undefined, unit = ''): string {
  if (min !== undefined && max !== undefined) return `${min}–${max}${unit}`;
  return min !== undefined ? `≥ ${min}${unit}` : `≤ ${max}${unit}`;
}

function scalarChecks(p: ScalarParam, name: string): Pick<Row, 'constraints' | 'errors'> {
  const constraints: string[] = [];
  const errors: string[] = [];
  const add = (v: Violation | undefined, what?: string) => {
    if (v === undefined) return;
    if (what !== undefined) constraints.push(what);
    const code = codeOf(v, name);
    if (!errors.includes(code)) errors.push(code);
  };
  add(p.required);
  if (p.kind !== 'string') add(p.type);
  if (p.enum) add(p.enum.violation, `one of ${p.enum.values.map((v) => `\`${v}\``).join(', ')}${p.enum.ignoreCase ? ' (any case)' : ''}`);
  if (p.rule) add(p.rule.violation, p.rule.describe);
  if (p.length) add(p.length.violation, `${bounds(p.length.min, p.length.max)} characters`);
  if (p.range) add(p.range.violation, bounds(p.range.min, p.range.max));
  return { constraints, errors };
}

function requiredText(p: { required?: Violation; default?: unknown }): string {
  if (p.required) return 'yes';
  return p.default !== undefined && p.default !== '' ? `no (default \`${String(p.default)}\`)` : 'no';
}

function rowsOf(param: AnyParam, name: string): Row[] {
  const withDoc = (row: Row): Row => (param.doc ? { ...row, doc: param.doc } : row);
  switch (param.kind) {
    case 'struct':
      return fieldRows(param.fields, `${name}.`);
    case 'objects': {
      const own = countChecks(param, name);
      const fields = fieldRows(param.fields, `${name}.N.`);
      if (own.constraints.length === 0 && own.errors.length === 0 && !param.doc) return fields;
      return [withDoc({ name: `${name}.N`, type: 'object list', required: requiredText(param), ...own }), ...fields];
    }
    case 'list': {
      const own = countChecks(param, name);
      const item = scalarChecks(param.item, `${name}.N`);
      return [withDoc({
        name: param.csv ? `${name}.N or ${name}=a,b` : `${name}.N`,
        type: `list of ${scalarType(param.item)}`,
        required: requiredText(param),
        constraints: [...own.constraints, ...item.constraints],
        errors: [...own.errors, ...item.errors.filter((c) => !own.errors.includes(c))],
      })];
    }
    default:
      return [withDoc({ name, type: scalarType(param), required: requiredText(param), ...scalarChecks(param, name) })];
  }
}

function countChecks(p: { required?: Violation; maxItems?: { max: number; violation: Violation } }, name: string): Pick<Row, 'constraints' | 'errors'> {
  const constraints: string[] = [];
  const errors: string[] = [];
  if (p.required) errors.push(codeOf(p.required, name));
  if (p.maxItems) {
    constraints.push(`at most ${p.maxItems.max}`);
    const code = codeOf(p.maxItems.violation, name);
    if (!errors.includes(code)) errors.push(code);
  }
  return { constraints, errors };
}

function fieldRows(fields: Fields, prefix: string): Row[] {
  return Object.values(fields).flatMap((p) => rowsOf(p, `${prefix}${p.wire}`));
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(op: Operation): string {
  const rows = fieldRows(op.params, '');
  const lines = [
    '| Parameter | Type | Required | Constraints | Errors | Notes |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${[`\`${r.name}\``, r.type, r.required, r.constraints.join('; '), r.errors.map((c) => `\`${c}\``).join(', '), r.doc ?? '']
      .map(cell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** The whole of docs/operations.md for `operations`, in alphabetical order of action. */
export function operationsDoc(operations: Iterable<Operation>): string {
  const ops = [...operations].sort((a, b) => a.action.localeCompare(b.action));
  const parts = [
    '# Operations and their parameters',
    '',
    '<!-- Generated from the operation specs (src/api/operations/); do not edit. Regenerate: npm run docs -->',
    '',
    'Each table lists what the operation\'s spec checks, parameter by parameter, in the order it checks them: the first',
    'violation answers with its code. `.N` is a 1-based list position (`Tag.1.Key`); an empty value counts as absent.',
    'Rules that span parameters (BaseImage with BaseImageType, RepairMode with RepairItem, …), name and tag formats, and',
    'lookups (regions, images, components) are the domain\'s and the app\'s; the Notes column names their codes.',
    '',
    ...ops.flatMap((op) => [`## ${op.action}`, '', op.summary, '', table(op), '']),
  ];
  return parts.join('\n');
}
