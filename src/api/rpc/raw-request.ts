/**
 * The HTTP request as the transport received it, before any RPC interpretation.
 * The HTTP server adapter builds one per request; everything in `api/rpc` works from it.
 */
export interface RawRequest {
  /** HTTP method, upper case (`GET`, `POST`). */
  method: string;
  /** Path part of the request target, as on the wire (not percent-decoded), e.g. `/`. */
  path: string;
  /** Everything after the first `?` of the request target, undecoded; `''` when there is none. */
  rawQuery: string;
  /**
   * Header values by lower-case name. Pass arrays for repeated headers (Node's
   * `req.headersDistinct`) when you have them: V3 signing joins repeated values itself.
   */
  headers: Record<string, string | string[] | undefined>;
  /** The raw request body (empty buffer when there is none). */
  body: Buffer;
}

/** All values of a header (lower-case `name`), in arrival order; `[]` when absent. */
export function headerValues(headers: RawRequest['headers'], name: string): string[] {
  const v = headers[name];
  if (v === undefined) return [];
  return typeof v === 'string' ? [v] : v;
}

/** The value of a single-valued header: the first one when repeated; `undefined` when absent. */
export function headerValue(headers: RawRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' || v === undefined ? v : v[0];
}
