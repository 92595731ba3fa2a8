/**
 * The small XML writer behind `Format=XML` responses, following the ECS conventions:
 * - an object becomes child elements named by its keys, in key order;
 * - an array becomes one element per item, each named by the array's key
 *   (`{"Set":[a,b]}` → `<Set>a</Set><Set>b</Set>`); nested arrays are flattened;
 * - `null` / `undefined` are omitted; booleans, numbers and bigints are written as text;
 * - a value with `toJSON()` (e.g. a `Date`) is written as what `JSON.stringify` would use.
 */

/** Appends `<name>…</name>` for `value` (or nothing for null/undefined) to `out`. */
export function writeXmlElement(out: string[], name: string, value: unknown): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(): unknown }).toJSON();
    if (value === null || value === undefined) return;
  }
  const tag = xmlName(name);
  if (Array.isArray(value)) {
    for (const item of value) writeXmlElement(out, name, item);
    return;
  }
  if (typeof value === 'object') {
    out.push(`<${tag}>`);
    writeXmlChildren(out, value as Record<string, unknown>);
    out.push(`</${tag}>`);
    return;
  }
  if (typeof value === 'function' || typeof value === 'symbol') return;
  out.push(`<${tag}>${escapeXmlText(String(value))}</${tag}>`);
}

/** Appends one element per own enumerable key of `obj`. */
export function writeXmlChildren(out: string[], obj: Record<string, unknown>): void {
  for (const key of Object.keys(obj)) writeXmlElement(out, key, obj[key]);
}

/**
 * Escapes text content: `& < >` as entities, `\r` as `&#13;` (so parsers keep it), and
 * characters XML 1.0 cannot carry at all (C0 controls other than tab/LF/CR, U+FFFE/U+FFFF,
 * lone surrogates) replaced by U+FFFD.
 */
export function escapeXmlText(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(ESCAPABLE, (c) => ESCAPES[c] ?? '\uFFFD');
}

/** Wraps text in CDATA, splitting any `]]>` so the section cannot be closed early. */
export function cdata(text: string): string {
  return `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/**
 * A safe element name: ECS keys are already valid names; anything else has its invalid
 * characters replaced by `_` (and gets a leading `_` when it cannot start a name).
 */
export function xmlName(name: string): string {
  if (VALID_NAME.test(name)) return name;
  const cleaned = name.replace(INVALID_NAME_CHAR, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const INVALID_NAME_CHAR = /[^A-Za-z0-9_.-]/g;
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;
// eslint-disable-next-line no-control-regex
const ESCAPABLE = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
