import { lengthExceededCode, lineError } from './errors.js';
import type { ContentKind } from './types.js';

/** BuildContent, TestContent and component Content are each at most 16 KB of UTF-8. */
export const MAX_CONTENT_BYTES = 16 * 1024;

/** At most 127 commands (Dockerfile-style) or tasks (YAML) per content. */
export const MAX_COMMANDS = 127;


/**
 * Rejects content over 16 KB. The limit is in bytes, not characters, because that is what
 * the service stores; the error names the line holding the first byte past the limit.
 */
export function checkContentSize(text: string, kind: ContentKind): void {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= MAX_CONTENT_BYTES) return;
  let line = 1;
  for (let i = 0; i < MAX_CONTENT_BYTES; i++) if (bytes[i] === 0x0a) line++;
  throw lineError(
    lengthExceededCode(kind),
    line,
    `content is ${bytes.length} bytes; the limit is ${MAX_CONTENT_BYTES} bytes (16 KB)`,
  );
}

/** `line` is where the first command past the limit starts. */
export function tooManyCommands(count: number, line: number, what = 'commands'): never {
  throw lineError('InvalidImageTemplateCommandSize.ExceededMaxNumber', line, `content has ${count} ${what}; the limit is ${MAX_COMMANDS}`);
}
