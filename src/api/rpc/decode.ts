import { KilnError, invalidParameter } from '../../domain/errors.js';
import { headerValue, type RawRequest } from './raw-request.js';
import { responseFormatOf, type ResponseFormat } from './response-format.js';

/** A decoded `name=value` pair. */
export type ParamPair = [name: string, value: string];

/** An RPC request with its parameters decoded; signatures are not checked yet. */
export interface DecodedRequest {
  /** Query-string parameters in wire order (repeats kept). */
  query: ParamPair[];
  /** Form-body parameters in wire order; `[]` unless the body is `application/x-www-form-urlencoded`. */
  form: ParamPair[];
  /**
   * Query and form merged into one map (a null-prototype object). A key repeated within one
   * source keeps its last value; a key present in both keeps the **form** value.
   */
  params: Record<string, string>;
  /** `Action` parameter, else the `x-acs-action` header; `undefined` when neither is present. */
  action: string | undefined;
  /** `Version` parameter, else the `x-acs-version` header. */
  version: string | undefined;
  /** From the `Format` parameter (case-insensitive), default JSON. */
  format: ResponseFormat;
}

/**
 * Decodes an RPC request: the query string, an urlencoded form body, and the routing fields.
 *
 * Decoding follows `application/x-www-form-urlencoded` (WHATWG URLSearchParams) semantics for
 * both the query and the form body: `+` is a space, `%XX` are UTF-8 bytes. The Node SDKs write
 * spaces as `%20`, but Go clients (the `aliyun` CLI through alibaba-cloud-sdk-go, Terraform
 * through tea-rpc) build their bodies and queries with `url.Values.Encode`, which writes `+`;
 * every client writes a literal plus as `%2B`, so reading `+` as a space is right for all.
 * Unlike URLSearchParams, decoding is strict: a bad `%` escape or bytes that are not UTF-8
 * give `InvalidParameter` (400) instead of being passed through or replaced.
 *
 * Merge rule (form wins): every signer that signs the union — alibaba-cloud-sdk-go, tea-rpc,
 * openapi-core `doRPCRequest` — builds its map from the query first and then the body, so a
 * body value overrides a query value; the server must read what was signed.
 *
 * @throws KilnError `InvalidParameter` on malformed encoding, or when the `Action`/`Version`
 * parameter disagrees with the `x-acs-action`/`x-acs-version` header.
 */
export function decodeRequest(raw: RawRequest): DecodedRequest {
  const query = parsePairs(raw.rawQuery, 'query string');
  const form = isFormBody(raw) ? parsePairs(decodeBodyText(raw.body), 'form body') : [];
  const params = Object.create(null) as Record<string, string>;
  for (const [k, v] of query) params[k] = v;
  for (const [k, v] of form) params[k] = v;
  return {
    query,
    form,
    params,
    action: routingField(params.Action, headerValue(raw.headers, 'x-acs-action'), 'Action'),
    version: routingField(params.Version, headerValue(raw.headers, 'x-acs-version'), 'Version'),
    format: responseFormatOf(params.Format),
  };
}

/**
 * Parses `a=1&b=2` into pairs in order. Empty segments are skipped; a segment without `=`
 * is a key with an empty value (URLSearchParams behaviour).
 */
export function parsePairs(text: string, where: string): ParamPair[] {
  const pairs: ParamPair[] = [];
  if (text.length === 0) return pairs;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start) {
      const eq = text.indexOf('=', start);
      if (eq === -1 || eq > end) pairs.push([decodeComponent(text.slice(start, end), where), '']);
      else pairs.push([decodeComponent(text.slice(start, eq), where), decodeComponent(text.slice(eq + 1, end), where)]);
    }
    start = end + 1;
  }
  return pairs;
}

/**
 * Decodes one urlencoded component: `+` → space, then `%XX` UTF-8 sequences.
 * @throws KilnError `InvalidParameter` on a malformed escape or invalid UTF-8.
 */
export function decodeComponent(text: string, where = 'request'): string {
  if (!NEEDS_DECODING.test(text)) return text;
  const spaced = text.includes('+') ? text.replace(PLUS, ' ') : text;
  try {
    return decodeURIComponent(spaced);
  } catch {
    throw new KilnError('InvalidParameter', `The ${where} contains malformed percent-encoding: "${truncate(text)}".`);
  }
}

const NEEDS_DECODING = /[%+]/;
const PLUS = /\+/g;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function isFormBody(raw: RawRequest): boolean {
  if (raw.body.length === 0) return false;
  const ct = headerValue(raw.headers, 'content-type');
  if (ct === undefined) return false;
  const semi = ct.indexOf(';');
  return (semi === -1 ? ct : ct.slice(0, semi)).trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

function decodeBodyText(body: Buffer): string {
  try {
    return STRICT_UTF8.decode(body);
  } catch {
    throw new KilnError('InvalidParameter', 'The form body is not valid UTF-8.');
  }
}

function routingField(param: string | undefined, header: string | undefined, name: string): string | undefined {
  if (param !== undefined && header !== undefined && param !== header) {
    throw invalidParameter(name, `the ${name} parameter "${truncate(param)}" and the x-acs-${name.toLowerCase()} header "${truncate(header)}" disagree`);
  }
  return param ?? header;
}

function truncate(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
