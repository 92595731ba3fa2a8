import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { v3Authorization, v3PayloadHash } from '../../../src/api/rpc/signature-v3.js';
import type { Store } from '../../../src/domain/ports.js';

/*
 * Clients of the log streaming endpoint that behave the way the tests need: a raw socket that
 * sends a signed request and then reads nothing, and logs written straight through the store.
 */

export type Key = { accessKeyId: string; accessKeySecret: string };

/** The request head of a V3-signed GET, as `signedGet` sends it, for a raw socket. */
export function signedRequestHead(host: string, path: string, query: Record<string, string>, key: Key): string {
  const pairs = Object.entries(query);
  const headers: Record<string, string> = {
    host,
    'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': randomBytes(16).toString('hex'),
    'x-acs-content-sha256': v3PayloadHash('ACS3-HMAC-SHA256', Buffer.alloc(0)),
  };
  const signedHeaders = Object.keys(headers).sort();
  headers.authorization = v3Authorization('ACS3-HMAC-SHA256', key.accessKeyId, key.accessKeySecret, {
    method: 'GET', path, query: pairs, headers, signedHeaders, hashedPayload: headers['x-acs-content-sha256']!,
  });
  const search = new URLSearchParams(pairs).toString();
  return `GET ${path}${search ? `?${search}` : ''} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

/** A client that connects, sends a signed request for the log and reads nothing of the answer (until resumed). */
export function stalledReader(port: number, head: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.pause();
    socket.once('error', reject);
    socket.once('connect', () => socket.write(head, () => resolve(socket)));
  });
}

/**
 * Resumes a stalled reader and reads what is left: until the connection ends, or until the
 * answer's last chunk when the stream was finished (the connection then stays open for reuse).
 */
export function readToEnd(socket: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let tail = '';
    socket.removeAllListeners('error');
    socket.on('data', (c: Buffer) => {
      parts.push(c);
      tail = (tail + c.toString('latin1')).slice(-64);
      if (tail.endsWith('\r\n0\r\n\r\n')) {
        socket.destroy();
        resolve(Buffer.concat(parts));
      }
    });
    // A connection the server cut may end in a reset rather than an orderly end.
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(Buffer.concat(parts)));
    socket.resume();
  });
}

/** Bytes of one chunk that `fillLog` writes: 64 KiB, as large as a worker's chunks get. */
export const LOG_ROW_BYTES = 64 * 1024;

/** Line n of what `fillLog` writes. */
const logLine = (n: number) => `log line ${String(n).padStart(10, '0')} ${'x'.repeat(44)}\n`; // 64 bytes

/** `rows` stdout chunks of LOG_ROW_BYTES of numbered lines, appended to an execution's log through the store. */
export async function fillLog(store: Store, executionId: string, rows: number): Promise<{ bytes: number; firstLine: string }> {
  const perRow = LOG_ROW_BYTES / 64;
  let bytes = 0;
  for (let r = 0; r < rows; r += 16) {
    const batch = [];
    for (let i = r; i < Math.min(rows, r + 16); i++) {
      let text = '';
      for (let j = 0; j < perRow; j++) text += logLine(i * perRow + j);
      batch.push({ stream: 'stdout' as const, text, time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') });
      bytes += text.length;
    }
    await store.executionLogs.append(executionId, batch);
  }
  return { bytes, firstLine: logLine(0) };
}
