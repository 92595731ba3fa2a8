/**
 * The percent-encoding every Alibaba Cloud signer uses (RFC 3986, "Alibaba flavour"):
 * `A-Z a-z 0-9 - _ . ~` stay as they are; every other UTF-8 byte becomes `%XX` with
 * upper-case hex. So space is `%20` (never `+`), `*` is `%2A`, `~` stays, and `!'()`
 * are encoded (`%21 %27 %28 %29`), unlike `encodeURIComponent`.
 *
 * Lone UTF-16 surrogates (which have no UTF-8 form) are encoded as U+FFFD instead of throwing.
 */
export function percentEncode(value: string): string {
  if (UNRESERVED_ONLY.test(value)) return value;
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    encoded = encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD'));
  }
  return encoded.replace(EXTRA_RESERVED, (c) => EXTRA_ESCAPES[c] as string);
}

const UNRESERVED_ONLY = /^[A-Za-z0-9\-_.~]*$/;
const EXTRA_RESERVED = /[!'()*]/g;
const EXTRA_ESCAPES: Record<string, string> = { '!': '%21', "'": '%27', '(': '%28', ')': '%29', '*': '%2A' };
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
