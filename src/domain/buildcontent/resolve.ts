import { SYSTEM_ACCOUNT_ID, type ImageComponent } from '../component.js';
import { KilnError, isKilnError } from '../errors.js';
import { bindParameters } from './component-params.js';
import { contentParameterCode, lineError } from './errors.js';
import { parseContent } from './parse.js';
import type { ComponentInstruction, ComponentRef, Instruction, ParsedContent } from './types.js';
import { highestMatching } from './version.js';

/** Read access to stored components, implemented by the app layer over the store. */
export interface ComponentLookup {
  byId(id: string): Promise<ImageComponent | undefined>;
  /** All versions of a component by owner account id + name in the region (owner may be the caller or the system account '0'). */
  versionsByName(accountId: string, name: string): Promise<ImageComponent[]>;
}

/** A COMPONENT line bound to the component it names. */
export interface ResolvedComponentInstruction extends ComponentInstruction {
  component: ImageComponent;
  /** The component's own content, parsed (kind `component`). */
  content: ParsedContent;
  /** Given values, then defaults: one entry per declared parameter. */
  parameterValues: Record<string, string>;
}

export type ResolvedInstruction = Exclude<Instruction, ComponentInstruction> | ResolvedComponentInstruction;

export interface ResolvedContent {
  instructions: ResolvedInstruction[];
  /** Unique IDs of the referenced components, in order of first use (e.g. to refuse deleting one in use). */
  componentIds: string[];
}

const NOT_FOUND = 'ImageComponent.NotFound';
const NOT_SUPPORTED = 'InvalidImageComponent.NotSupported';

/**
 * Binds every COMPONENT line of a template's BuildContent (`build`) or TestContent (`test`)
 * to a stored component the caller may use, with its parsed content and final parameter
 * values. Components of another account are reported as not found, never as forbidden, so
 * their existence does not leak.
 */
export async function resolveComponents(
  parsed: ParsedContent,
  kind: 'build' | 'test',
  lookup: ComponentLookup,
  ctx: { accountId: string; regionId: string },
): Promise<ResolvedContent> {
  if (parsed.format !== 'dockerfile') {
    throw new KilnError('InternalError', 'template content is always Dockerfile-style; got a YAML parse', 'server');
  }
  const instructions: ResolvedInstruction[] = [];
  const ids = new Set<string>();
  for (const instruction of parsed.instructions) {
    if (instruction.keyword !== 'COMPONENT') {
      instructions.push(instruction);
      continue;
    }
    const component = await findComponent(instruction, lookup, ctx);
    checkComponentType(component, kind, instruction.line);
    const content = parseStoredContent(component, instruction.line);
    const parameterValues = bindParameters(instruction, component, content, contentParameterCode(kind));
    instructions.push({ ...instruction, component, content, parameterValues });
    ids.add(component.id);
  }
  checkSystemTypes(instructions);
  return { instructions, componentIds: [...ids] };
}

async function findComponent(
  instruction: ComponentInstruction,
  lookup: ComponentLookup,
  ctx: { accountId: string; regionId: string },
): Promise<ImageComponent> {
  const { ref, line } = instruction;
  // System components are visible in every region; custom ones only to their owner, in their region.
  const visible = (c: ImageComponent): boolean =>
    c.accountId === SYSTEM_ACCOUNT_ID || (c.accountId === ctx.accountId && c.regionId === ctx.regionId);
  const notFound = (): never => {
    throw lineError(NOT_FOUND, line, `the image component ${formatRef(ref)} does not exist`);
  };

  if (ref.kind === 'id') {
    const c = await lookup.byId(ref.id);
    return c !== undefined && visible(c) ? c : notFound();
  }
  // An ARN names its owner and region; only the caller's own or system components, in the
  // caller's region, can be meant.
  if (ref.accountId !== ctx.accountId && ref.accountId !== SYSTEM_ACCOUNT_ID) return notFound();
  if (ref.regionId !== ctx.regionId) return notFound();
  const versions = (await lookup.versionsByName(ref.accountId, ref.name)).filter(
    (c) => c.accountId === ref.accountId && c.name === ref.name && visible(c),
  );
  return highestMatching(versions, ref.version, (c) => c.componentVersion) ?? notFound();
}

function checkComponentType(c: ImageComponent, kind: 'build' | 'test', line: number): void {
  const expected = kind === 'build' ? 'Build' : 'Test';
  if (c.componentType === expected) return;
  const field = kind === 'build' ? 'BuildContent' : 'TestContent';
  throw lineError(NOT_SUPPORTED, line, `the image component ${c.id} is a ${c.componentType} component; ${field} takes only ${expected} components`);
}

/**
 * Stored content was validated when the component was created; if it no longer parses
 * (the parser became stricter), the component is unusable rather than the request wrong.
 */
function parseStoredContent(c: ImageComponent, line: number): ParsedContent {
  try {
    return parseContent(c.content, 'component', c.systemType);
  } catch (e) {
    if (!isKilnError(e)) throw e;
    throw lineError(NOT_SUPPORTED, line, `the content of image component ${c.id} is not usable (${e.code}: ${e.message})`);
  }
}

/**
 * Dockerfile-style commands are Linux-only (reference §3.1, §3.6), so a Windows component
 * is usable only when it is YAML and the content around it has no Dockerfile-style commands
 * of its own (FROM is ignored) and no Linux components: one build runs on one instance.
 */
function checkSystemTypes(instructions: ResolvedInstruction[]): void {
  const components = instructions.filter((i): i is ResolvedComponentInstruction => i.keyword === 'COMPONENT');
  const windows = components.filter((i) => i.component.systemType === 'Windows');
  const first = windows[0];
  if (first === undefined) return;
  const why = (detail: string): never => {
    throw lineError(NOT_SUPPORTED, first.line, `the image component ${first.component.id} is a Windows component; ${detail}`);
  };
  const dockerfileStyle = windows.find((i) => i.content.format === 'dockerfile');
  if (dockerfileStyle !== undefined) {
    throw lineError(
      NOT_SUPPORTED,
      dockerfileStyle.line,
      `the image component ${dockerfileStyle.component.id} is a Windows component with Dockerfile-style content, which is Linux-only`,
    );
  }
  const inline = instructions.find((i) => i.keyword !== 'COMPONENT' && i.keyword !== 'FROM');
  if (inline !== undefined) why(`it cannot be combined with Dockerfile-style commands (${inline.keyword} on line ${inline.line}), which are Linux-only`);
  const linux = components.find((i) => i.component.systemType === 'Linux');
  if (linux !== undefined) why(`it cannot be combined with the Linux component ${linux.component.id} on line ${linux.line}`);
}

function formatRef(ref: ComponentRef): string {
  return ref.kind === 'id' ? ref.id : `acs:ecs:${ref.regionId}:${ref.accountId}:imagecomponent/${ref.name}/${ref.version}`;
}
