import { readFileSync } from 'node:fs';
import type { KilnConfig } from '../config/config.js';

/**
 * The API's TLS certificate and key (`KILN_TLS_CERT_FILE`, `KILN_TLS_KEY_FILE`), read at start;
 * undefined when neither is set (plain HTTP). One without the other, or a file that cannot be
 * read, stops the start with the setting named: half a TLS setup must not serve plain HTTP.
 */
export function tlsOf(config: Pick<KilnConfig, 'tlsCertFile' | 'tlsKeyFile'>): { cert: Buffer; key: Buffer } | undefined {
  const { tlsCertFile, tlsKeyFile } = config;
  if (tlsCertFile === undefined && tlsKeyFile === undefined) return undefined;
  if (tlsCertFile === undefined || tlsKeyFile === undefined) {
    throw new Error('KILN_TLS_CERT_FILE and KILN_TLS_KEY_FILE (tlsCertFile, tlsKeyFile) are set together or not at all');
  }
  const read = (path: string, setting: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`${setting}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return { cert: read(tlsCertFile, 'KILN_TLS_CERT_FILE'), key: read(tlsKeyFile, 'KILN_TLS_KEY_FILE') };
}
