import type { FastifyRequest } from 'fastify';
import type { RawRequest } from './rpc/raw-request.js';

/** The framework-free view of a request that the protocol code works on. */
export function rawRequestOf(req: FastifyRequest): RawRequest {
  const url = req.raw.url ?? '/';
  const q = url.indexOf('?');
  return {
    method: req.method,
    path: q < 0 ? url : url.slice(0, q),
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    headers: req.raw.headersDistinct as Record<string, string[] | undefined>,
    body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  };
}
