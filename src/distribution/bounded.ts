import { RegistryError } from './errors.js';

/**
 * A response body read whole, refused once it passes `max` bytes (before more is read): what
 * a registry sends is hostile input, and JSON documents are parsed in memory.
 */
export async function readBounded(res: Response, max: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > max) {
    await res.body?.cancel();
    throw new RegistryError(`${what} has ${declared} bytes, more than the ${max} Kiln reads`);
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      bytes += r.value.byteLength;
      if (bytes > max) throw new RegistryError(`${what} is larger than the ${max} bytes Kiln reads`);
      chunks.push(Buffer.from(r.value));
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks);
}
