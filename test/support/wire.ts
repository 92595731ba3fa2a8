import { createHash, createHmac, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';

/*
 * Raw-wire tools for conformance tests: an HTTP sender that puts bytes on the wire exactly as
 * given, and V1 / V3 signers written from the reference (§5.4, §5.5) — deliberately
 * independent of src/api/rpc, so the server is checked against a second implementation.
 */

// ---------------------------------------------------------------- encodings

/** RFC 3986 percent-encoding as the Alibaba Cloud signers use it (§5.4 step 2): space → %20, `*` → %2A, `~` kept. */
export function rfc3986(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's `url.QueryEscape`: like RFC 3986 but a space becomes `+`. */
export function goQueryEscape(value: string): string {
  return rfc3986(value).replace(/%20/g, '+');
}

/** Go's `url.Values.Encode()`: keys sorted, `k=v` joined by `&`, each side `QueryEscape`d. */
export function goValuesEncode(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${goQueryEscape(k)}=${goQueryEscape(params[k] as string)}`)
    .join('&');
}

/** The Node SDKs' encoding of a parameter map (RFC 3986, `%20` for spaces), in the given order. */
export function rfc3986Encode(params: Record<string, string>): string {
  return Object.entries(params).map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
}

/** ECS request time, `yyyy-MM-ddTHH:mm:ssZ` (UTC). */
export function ecsTimestamp(at: Date = new Date()): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------- signature V1

/** V1 string to sign over a parameter map (every key but `Signature`), §5.4 steps 1–3. */
export function v1StringToSign(method: string, params: Record<string, string>): string {
  const keys = Object.keys(params).filter((k) => k !== 'Signature').sort();
  const canonical = keys.map((k) => `${rfc3986(k)}=${rfc3986(params[k] as string)}`).join('&');
  return `${method}&${rfc3986('/')}&${rfc3986(canonical)}`;
}

/** V1 signature, §5.4 step 4: base64 HMAC-SHA1 keyed with `secret + "&"`. */
export function v1Signature(stringToSign: string, secret: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSign, 'utf8').digest('base64');
}

export interface V1Options {
  accessKeyId: string;
  action: string;
  version?: string;
  /** Default: now. */
  timestamp?: string;
  /** Default: a fresh UUID. */
  nonce?: string;
  /** Default `JSON`. */
  format?: string;
}

/** The common V1 parameters (§5.3), without `Signature`. */
export function v1CommonParams(o: V1Options): Record<string, string> {
  return {
    Action: o.action,
    Version: o.version ?? '2014-05-26',
    Format: o.format ?? 'JSON',
    AccessKeyId: o.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: o.nonce ?? randomUUID(),
    Timestamp: o.timestamp ?? ecsTimestamp(),
  };
}

/** Signs `params` (method as sent) and returns the signature and the string it signed. */
export function signV1(method: string, params: Record<string, string>, secret: string): { signature: string; stringToSign: string } {
  const stringToSign = v1StringToSign(method, params);
  return { signature: v1Signature(stringToSign, secret), stringToSign };
}

// ---------------------------------------------------------------- signature V3

export interface V3Options {
  accessKeyId: string;
  secret: string;
  action: string;
  version?: string;
  method?: string;
  /** Operation parameters, sent in the query string. */
  query?: Record<string, string>;
  /** `host` header value (must be what the client actually sends). */
  host: string;
  /** `x-acs-date`; default now. */
  date?: string;
  /** `x-acs-signature-nonce`; default fresh. */
  nonce?: string;
  /** Extra headers to send (and sign when they qualify). */
  headers?: Record<string, string>;
  body?: string;
}

export interface SignedV3Request {
  method: string;
  /** `/?…` as sent. */
  path: string;
  headers: Record<string, string>;
  body: string;
  canonicalRequest: string;
  stringToSign: string;
}

/** Builds and signs a V3 (ACS3-HMAC-SHA256) request, §5.5. */
export function signV3(o: V3Options): SignedV3Request {
  const method = o.method ?? 'POST';
  const body = o.body ?? '';
  const query = o.query ?? {};
  const headers: Record<string, string> = {
    host: o.host,
    'x-acs-action': o.action,
    'x-acs-version': o.version ?? '2014-05-26',
    'x-acs-date': o.date ?? ecsTimestamp(),
    'x-acs-signature-nonce': o.nonce ?? createHash('sha256').update(randomUUID()).digest('hex'),
    'x-acs-content-sha256': createHash('sha256').update(body, 'utf8').digest('hex'),
    accept: 'application/json',
  };
  for (const [k, v] of Object.entries(o.headers ?? {})) headers[k.toLowerCase()] = v;

  const signedNames = Object.keys(headers).filter((h) => h.startsWith('x-acs-') || h === 'host' || h === 'content-type').sort();
  const canonicalHeaders = signedNames.map((h) => `${h}:${(headers[h] as string).trim()}\n`).join('');
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(query[k] as string)}`)
    .join('&');
  const canonicalRequest = [method, '/', canonicalQuery, canonicalHeaders, signedNames.join(';'), headers['x-acs-content-sha256']].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')}`;
  const signature = createHmac('sha256', o.secret).update(stringToSign, 'utf8').digest('hex');
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${o.accessKeyId},SignedHeaders=${signedNames.join(';')},Signature=${signature}`;
  const qs = rfc3986Encode(query);
  return { method, path: qs ? `/?${qs}` : '/', headers, body, canonicalRequest, stringToSign };
}

// ---------------------------------------------------------------- raw HTTP

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  json(): Record<string, unknown>;
}

export interface RawRequestSpec {
  method: string;
  /** Request target exactly as sent, e.g. `/?Action=…`. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Sends one request with node:http, the target and body byte-for-byte as given. */
export function sendRaw(endpoint: string, spec: RawRequestSpec): Promise<RawResponse> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const body = spec.body === undefined ? undefined : Buffer.from(spec.body, 'utf8');
    const headers: Record<string, string> = { ...(spec.headers ?? {}) };
    if (body !== undefined) headers['content-length'] = String(body.length);
    const req = httpRequest(
      { host: url.hostname, port: Number(url.port), method: spec.method, path: spec.path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as Record<string, unknown>,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A V3 request as built by {@link signV3}, sent raw. */
export function sendV3(endpoint: string, signed: SignedV3Request): Promise<RawResponse> {
  return sendRaw(endpoint, { method: signed.method, path: signed.path, headers: signed.headers, ...(signed.body ? { body: signed.body } : {}) });
}

/** The `host:port` that node:http sends as Host for an endpoint. */
export function hostOf(endpoint: string): string {
  return new URL(endpoint).host;
}

/** The text after `server string to sign is:` in an error message. */
export function serverStringToSign(message: string): string | undefined {
  const marker = 'server string to sign is:';
  const i = message.indexOf(marker);
  return i < 0 ? undefined : message.slice(i + marker.length);
}

/** What pop-core threw: the error code, the HTTP status it saw and the parsed error body. */
export interface PopError {
  code: string;
  status: number | undefined;
  message: string;
  data: Record<string, unknown>;
}

/** Runs a pop-core call that must fail; pop-core keeps the HTTP status in `err.entry.response`. */
export async function expectPopError(call: () => Promise<unknown>): Promise<PopError> {
  try {
    await call();
  } catch (err) {
    const e = err as { code?: string; message?: string; data?: Record<string, unknown>; entry?: { response?: { statusCode?: number } } };
    return { code: e.code ?? '', status: e.entry?.response?.statusCode, message: e.message ?? '', data: e.data ?? {} };
  }
  throw new Error('the call succeeded but an error was expected');
}
