import type { FastifyRequest } from 'fastify';
import { invalidParameter, missingParameter } from '../../domain/errors.js';

/**
 * A console route's JSON object body. The server reads every body as raw bytes (`server.ts`),
 * so each console route parses its own: at most `maxBytes`, a JSON object, else
 * `InvalidParameter` (400) — never a 500, whatever was sent.
 */
export function jsonObjectBody(req: FastifyRequest, maxBytes: number): Record<string, unknown> {
  const body = req.body;
  const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
  if (bytes.length > maxBytes) throw invalidParameter('body', `it is larger than ${maxBytes} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalidParameter('body', 'it is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidParameter('body', 'it is not a JSON object');
  return parsed as Record<string, unknown>;
}

/** A required string member of a JSON body (`MissingParameter.<name>` when absent or empty, `InvalidParameter` when not a string). */
export function stringMember(body: Record<string, unknown>, name: string, maxLength: number): string {
  const v = body[name];
  if (v === undefined || v === null || v === '') throw missingParameter(name);
  if (typeof v !== 'string') throw invalidParameter(name, 'it is not a string');
  if (v.length > maxLength) throw invalidParameter(name, `it is longer than ${maxLength} characters`);
  return v;
}
