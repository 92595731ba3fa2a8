import { xmlName, writeXmlChildren, writeXmlElement, cdata, escapeXmlText } from './xml.js';
import type { ResponseFormat } from './response-format.js';

/** A response body ready to send. */
export interface EncodedBody {
  contentType: string;
  payload: string;
}

/** JSON content type (what the real gateway sends). */
export const JSON_CONTENT_TYPE = 'application/json;charset=utf-8';
/** XML content type. openapi-core parses XML error bodies only for exactly this value. */
export const XML_CONTENT_TYPE = 'text/xml;charset=utf-8';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * Encodes a successful response. `body` is the operation's result and should carry
 * `RequestId`. JSON is `JSON.stringify(body)`; XML is
 * `<?xml …?><{Action}Response>…</{Action}Response>` with the conventions of `xml.ts`.
 */
export function encodeSuccess(action: string, body: object, format: ResponseFormat): EncodedBody {
  if (format === 'JSON') return { contentType: JSON_CONTENT_TYPE, payload: JSON.stringify(body) };
  const root = xmlName(`${action}Response`);
  const out: string[] = [XML_DECLARATION, `<${root}>`];
  writeXmlChildren(out, body as Record<string, unknown>);
  out.push(`</${root}>`);
  return { contentType: XML_CONTENT_TYPE, payload: out.join('') };
}

/** The fields of an error response. */
export interface ErrorInfo {
  code: string;
  message: string;
  /** RAM denial details (`AccessDeniedDetail`), which newer gateways add; omitted when absent. */
  accessDeniedDetail?: Record<string, unknown>;
}

/** The `Recommend` link of an error body. */
export function recommendUrl(code: string, requestId: string): string {
  return `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=Ecs&requestId=${encodeURIComponent(requestId)}`;
}

/**
 * Encodes an error body: `{RequestId, HostId, Code, Message, Recommend[, AccessDeniedDetail]}`
 * in JSON, or `<Error>…<Recommend><![CDATA[…]]></Recommend></Error>` in XML.
 * The HTTP status comes from `http-status.ts`.
 */
export function encodeError(err: ErrorInfo, requestId: string, format: ResponseFormat, hostId: string): EncodedBody {
  const recommend = recommendUrl(err.code, requestId);
  if (format === 'JSON') {
    const body: Record<string, unknown> = { RequestId: requestId, HostId: hostId, Code: err.code, Message: err.message, Recommend: recommend };
    if (err.accessDeniedDetail !== undefined) body.AccessDeniedDetail = err.accessDeniedDetail;
    return { contentType: JSON_CONTENT_TYPE, payload: JSON.stringify(body) };
  }
  const out: string[] = [
    XML_DECLARATION,
    '<Error>',
    `<RequestId>${escapeXmlText(requestId)}</RequestId>`,
    `<HostId>${escapeXmlText(hostId)}</HostId>`,
    `<Code>${escapeXmlText(err.code)}</Code>`,
    `<Message>${escapeXmlText(err.message)}</Message>`,
    `<Recommend>${cdata(recommend)}</Recommend>`,
  ];
  writeXmlElement(out, 'AccessDeniedDetail', err.accessDeniedDetail);
  out.push('</Error>');
  return { contentType: XML_CONTENT_TYPE, payload: out.join('') };
}
