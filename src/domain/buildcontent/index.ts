/**
 * The build-content language: one parser for templates' BuildContent/TestContent and
 * components' Content, used for validation at creation and by the build engine.
 *
 * - `parseContent(text, kind)` validates and parses (throws `KilnError`, message `line N: …`);
 * - `resolveComponents(parsed, kind, lookup, ctx)` binds COMPONENT lines to stored components.
 */
export { declaredParameters, parseContent } from './parse.js';
export {
  resolveComponents,
  type ComponentLookup,
  type ResolvedComponentInstruction,
  type ResolvedContent,
  type ResolvedInstruction,
} from './resolve.js';
export type {
  ComponentInstruction,
  ComponentRef,
  ContentKind,
  CopyInstruction,
  EnvInstruction,
  FromInstruction,
  Instruction,
  JsonValue,
  Keyword,
  LabelInstruction,
  ParsedContent,
  PropertyValue,
  RestartInstruction,
  RunInstruction,
  StartupInstruction,
  UserInstruction,
  WorkdirInstruction,
  YamlAction,
  YamlComponent,
  YamlTask,
} from './types.js';
export { ACTIONS, type ActionSpec, type PropertySpec, type PropertyType } from './yaml-actions.js';
export { MAX_COMMANDS, MAX_CONTENT_BYTES } from './limits.js';
export { compareVersions, highestMatching, isVersionPattern, matchesVersion } from './version.js';
