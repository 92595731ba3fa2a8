import { isMap, isSeq, parseDocument } from 'yaml';
import type { ComponentParameter, ParameterType, SystemType } from '../component.js';
import { MAX_COMMANDS, tooManyCommands } from './limits.js';
import { isName } from './names.js';
import type { PropertyValue, YamlAction, YamlComponent, YamlTask } from './types.js';
import { isValidParameterValue } from './values.js';
import { ACTIONS, isAction } from './yaml-actions.js';
import { readProperty } from './yaml-properties.js';
import type { ReferenceScope } from './yaml-references.js';
import { YamlSource, type Entry } from './yaml-source.js';

const TOP_KEYS: ReadonlySet<string> = new Set(['Parameters', 'Tasks']);
const PARAMETER_KEYS: ReadonlySet<string> = new Set(['Type', 'DefaultValue']);
const TASK_KEYS: ReadonlySet<string> = new Set(['Name', 'Action', 'Properties']);
const PARAMETER_TYPES: readonly ParameterType[] = ['String', 'Number', 'Boolean'];

/**
 * Whether a component's Content is the YAML format. The reference does not say how the
 * service tells the formats apart; we take YAML to be a mapping with a `Tasks` key. A
 * top-level `Tasks:` or `Parameters:` line also counts even when the YAML is broken, so an
 * author with a YAML typo gets a YAML error with a line number rather than "unsupported
 * command Tasks:" (no Dockerfile keyword is followed by a colon, so nothing is lost).
 */
export function looksLikeYamlComponent(text: string): boolean {
  if (/^(?:Tasks|Parameters)[ \t]*:/m.test(text)) return true;
  const root = parseDocument(text).contents;
  return isMap(root) && root.has('Tasks');
}

/**
 * Parses and validates a YAML component (schema in the reference, §3.2). Every problem is
 * `InvalidParameter.Content` naming the line of the offending node. `systemType` decides
 * which of the OS-specific actions are allowed.
 */
export function parseYamlComponent(text: string, systemType: SystemType): YamlComponent {
  const y: YamlSource = new YamlSource(text);
  y.checkSyntax();
  const root = y.doc.contents;
  if (!isMap(root)) y.fail(y.lineOf(root), 'a YAML component must be a mapping with a Tasks list');
  const top = y.entries(root, 'the component', TOP_KEYS);
  const parameters = readParameters(y, top.get('Parameters'));
  const tasksEntry = top.get('Tasks');
  if (tasksEntry === undefined) y.fail(y.lineOf(root), 'Tasks is required');
  return { parameters, tasks: readTasks(y, tasksEntry, parameters, systemType) };
}

function readParameters(y: YamlSource, entry: Entry | undefined): ComponentParameter[] {
  if (entry === undefined || y.isNull(entry.value)) return [];
  if (!isMap(entry.value)) y.fail(entry.keyLine, 'Parameters must map each parameter name to {Type, DefaultValue}');
  const out: ComponentParameter[] = [];
  for (const [name, { keyLine, value }] of y.entries(entry.value, 'Parameters')) {
    if (!isName(name)) y.fail(keyLine, `invalid parameter name "${name}"; use letters, digits, _ and -`);
    if (!isMap(value)) y.fail(keyLine, `parameter "${name}" must be a mapping with Type and optionally DefaultValue`);
    const fields = y.entries(value, `parameter "${name}"`, PARAMETER_KEYS);

    const typeEntry = fields.get('Type');
    if (typeEntry === undefined) y.fail(keyLine, `parameter "${name}" has no Type`);
    const type = y.scalarText(typeEntry.value);
    if (!PARAMETER_TYPES.includes(type as ParameterType)) {
      y.fail(y.lineOf(typeEntry.value, typeEntry.keyLine), `Type of parameter "${name}" must be String, Number or Boolean, got ${type ?? 'nothing'}`);
    }
    const param: ComponentParameter = { name, type: type as ParameterType };

    const dv = fields.get('DefaultValue');
    if (dv !== undefined) {
      const line = y.lineOf(dv.value, dv.keyLine);
      const text = y.scalarText(dv.value);
      if (text === undefined) y.fail(line, `DefaultValue of "${name}" must be a single value (write "" for an empty string)`);
      if (!isValidParameterValue(param.type, text)) y.fail(line, `DefaultValue "${text}" of "${name}" is not a valid ${param.type}`);
      param.defaultValue = param.type === 'Boolean' ? text.toLowerCase() : text;
    }
    out.push(param);
  }
  return out;
}

interface TaskHead {
  name: string;
  line: number;
  fields: Map<string, Entry>;
}

function readTasks(y: YamlSource, entry: Entry, parameters: ComponentParameter[], systemType: SystemType): YamlTask[] {
  const list = entry.value;
  if (!isSeq(list) || list.items.length === 0) y.fail(entry.keyLine, 'Tasks must be a non-empty list of tasks');
  if (list.items.length > MAX_COMMANDS) {
    tooManyCommands(list.items.length, y.lineOf(list.items[MAX_COMMANDS], entry.keyLine), 'tasks');
  }

  // Names first: a reference to a later task must be told apart from a misspelt one.
  const heads: TaskHead[] = [];
  const names = new Set<string>();
  for (const item of list.items) {
    const node = y.deref(item);
    const line = y.lineOf(node, entry.keyLine);
    if (!isMap(node)) y.fail(line, 'each task must be a mapping with Name, Action and Properties');
    const fields = y.entries(node, 'a task', TASK_KEYS);
    const nameEntry = fields.get('Name');
    if (nameEntry === undefined) y.fail(line, 'task has no Name');
    const name = y.scalarText(nameEntry.value);
    const nameLine = y.lineOf(nameEntry.value, nameEntry.keyLine);
    if (name === undefined || !isName(name)) y.fail(nameLine, `invalid task Name "${name ?? ''}"; use letters, digits, _ and -`);
    if (names.has(name)) y.fail(nameLine, `duplicate task Name "${name}"`);
    names.add(name);
    heads.push({ name, line, fields });
  }

  const scope = {
    parameters: new Map(parameters.map((p) => [p.name, p.type])),
    earlierTasks: new Map<string, YamlAction>(),
    allTasks: names,
  } satisfies ReferenceScope;
  return heads.map((head) => {
    const task = readTask(y, head, scope, systemType);
    scope.earlierTasks.set(task.name, task.action);
    return task;
  });
}

function readTask(y: YamlSource, { name, line, fields }: TaskHead, scope: ReferenceScope, systemType: SystemType): YamlTask {
  const actionEntry = fields.get('Action');
  if (actionEntry === undefined) y.fail(line, `task "${name}" has no Action`);
  const actionLine = y.lineOf(actionEntry.value, actionEntry.keyLine);
  const action = y.scalarText(actionEntry.value) ?? '';
  if (!isAction(action)) y.fail(actionLine, `unknown Action "${action}"; supported: ${Object.keys(ACTIONS).join(', ')}`);
  const spec = ACTIONS[action];
  if (spec.systemType !== undefined && spec.systemType !== systemType) {
    y.fail(actionLine, `${action} runs on ${spec.systemType} only, and this is a ${systemType} component`);
  }

  const propsEntry = fields.get('Properties');
  const propsLine = propsEntry?.keyLine ?? line;
  let given = new Map<string, Entry>();
  if (propsEntry !== undefined && !y.isNull(propsEntry.value)) {
    if (!isMap(propsEntry.value)) y.fail(propsLine, `Properties of task "${name}" must be a mapping`);
    given = y.entries(propsEntry.value, `Properties of ${action} task "${name}"`, new Set(Object.keys(spec.properties)));
  }

  const properties: Record<string, PropertyValue> = {};
  for (const [prop, propSpec] of Object.entries(spec.properties)) {
    const e = given.get(prop);
    if (e === undefined) {
      if (propSpec.required) y.fail(propsLine, `${action} task "${name}" needs property ${prop}`);
      if (propSpec.default !== undefined) properties[prop] = propSpec.default;
      continue;
    }
    properties[prop] = readProperty(y, e.value, prop, propSpec, scope, e.keyLine);
  }
  return { name, action, line, properties };
}
