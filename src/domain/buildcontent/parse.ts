import type { ComponentParameter, SystemType } from '../component.js';
import { parseDockerfile } from './dockerfile.js';
import { checkContentSize } from './limits.js';
import type { ContentKind, ParsedContent } from './types.js';
import { looksLikeYamlComponent, parseYamlComponent } from './yaml-component.js';

/**
 * Parses and validates build content; throws a `KilnError` whose message starts with
 * `line N:`. Templates' BuildContent/TestContent are always Dockerfile-style; a component's
 * Content is YAML when it is a mapping with `Tasks`, Dockerfile-style otherwise.
 * `componentSystemType` (default `Linux`, the API's default) only matters for YAML
 * components, where it decides between RunShellCommand and RunPowerShellCommand.
 * Content with no commands at all parses to an empty list: whether that is acceptable is
 * the caller's call (`MissingParameter.Content`).
 */
export function parseContent(text: string, kind: ContentKind, componentSystemType?: SystemType): ParsedContent {
  checkContentSize(text, kind);
  if (kind === 'component' && looksLikeYamlComponent(text)) {
    return { format: 'yaml', component: parseYamlComponent(text, componentSystemType ?? 'Linux') };
  }
  return { format: 'dockerfile', instructions: parseDockerfile(text, kind) };
}

/**
 * The parameters a component declares, as DescribeImageComponents reports them
 * (`Parameters.Parameter[]`). Only YAML components declare any.
 */
export function declaredParameters(parsed: ParsedContent): ComponentParameter[] {
  return parsed.format === 'yaml' ? parsed.component.parameters : [];
}
