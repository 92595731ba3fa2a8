import { parseContent, resolveComponents, type ParsedContent } from '../domain/buildcontent/index.js';
import type { SystemType } from '../domain/component.js';
import { KilnError, isKilnError } from '../domain/errors.js';
import type { Repositories, Scope } from '../domain/ports.js';
import type { App } from './app.js';
import { componentLookup } from './component-lookup.js';
import { asKilnFault } from './faults.js';

/*
 * The checks of the build-content fields, in one place: CreateImagePipeline (BuildContent,
 * TestContent) and CreateImageComponent (Content) refuse what these refuse, and the console's
 * validation (`validateContent`) reports it as the user types.
 */

/** A template's content field: which parser rules apply (`build` allows what `test` does not). */
export type TemplateContentKind = 'build' | 'test';

/**
 * Parses a template's content and binds its COMPONENT lines to components the caller may use
 * (its own in the region, and the system ones), read through `repos`: a create resolves them
 * inside the transaction that records them. Returns the ids of the components used.
 */
export async function resolveTemplateContent(app: App, repos: Repositories, scope: Scope, text: string, kind: TemplateContentKind): Promise<string[]> {
  const resolved = await resolveComponents(parseContent(text, kind), kind, componentLookup(app, repos, scope), scope);
  return resolved.componentIds;
}

/**
 * A component's Content, parsed for its system type: a Windows component must be YAML, and
 * Dockerfile-style content must hold at least one command.
 */
export function parseComponentContent(content: string, systemType: SystemType): ParsedContent {
  const parsed = parseContent(content, 'component', systemType);
  if (systemType === 'Windows' && parsed.format !== 'yaml') {
    throw new KilnError('InvalidParameter.Content', 'line 1: a Windows component must be written in YAML (Dockerfile-style commands are Linux only).');
  }
  if (parsed.format === 'dockerfile' && parsed.instructions.length === 0) {
    throw new KilnError('MissingParameter.Content', 'The input parameter "Content" holds no command (only blank lines or comments).');
  }
  return parsed;
}

/** The field a validation is for: a template's BuildContent or TestContent, or a component's Content. */
export type ContentField = 'BuildContent' | 'TestContent' | 'Content';
export const CONTENT_FIELDS: readonly ContentField[] = ['BuildContent', 'TestContent', 'Content'];

/** One thing a create would refuse in a content field: its code, its message, and the line the message names. */
export interface ContentProblem {
  /** The N of the message's `line N:` prefix; undefined when the message names no line. */
  line: number | undefined;
  code: string;
  message: string;
}

const LINE_PREFIX = /^line (\d{1,9}):/;

/**
 * What CreateImagePipeline (BuildContent, TestContent) or CreateImageComponent (Content, of
 * `systemType`, default Linux) would refuse in `text`, for the caller in `scope`: the same
 * parser and the same COMPONENT resolution against the account's components in the region.
 * Empty when it would accept it; otherwise the first error (the parser stops at it). Faults
 * of the server are thrown, not reported.
 */
export async function validateContent(app: App, scope: Scope, field: ContentField, text: string, systemType: SystemType = 'Linux'): Promise<ContentProblem[]> {
  try {
    if (field === 'Content') parseComponentContent(text, systemType);
    else await resolveTemplateContent(app, app.store, scope, text, field === 'BuildContent' ? 'build' : 'test');
    return [];
  } catch (caught) {
    const err = asKilnFault(caught);
    if (!isKilnError(err) || err.fault !== 'client') throw caught;
    const m = LINE_PREFIX.exec(err.message);
    return [{ line: m ? Number(m[1]) : undefined, code: err.code, message: err.message }];
  }
}
