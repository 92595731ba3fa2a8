/**
 * Names of YAML component parameters and tasks, and of `--param` flags on COMPONENT lines.
 * Kept to the characters `{{ name }}` and `{{ task.stdout }}` references can spell.
 */
export const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

export function isName(s: string): boolean {
  return NAME_PATTERN.test(s);
}
