/** Response body format of an RPC call: JSON unless the caller asked for XML. */
export type ResponseFormat = 'JSON' | 'XML';

/**
 * Maps the `Format` request parameter to a response format. Case-insensitive (the SDKs send
 * `json` and `JSON`); anything but `xml` — including an absent or unknown value — is JSON.
 */
export function responseFormatOf(formatParam: string | undefined): ResponseFormat {
  return formatParam !== undefined && formatParam.length === 3 && formatParam.toUpperCase() === 'XML' ? 'XML' : 'JSON';
}
