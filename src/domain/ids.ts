import { randomBytes, randomFillSync, randomInt } from 'node:crypto';

/*
 * Resource ids look like the cloud's (`ip-2ze5tsl5bp6nf2b3abcd`) but are opaque to clients.
 * Lowercase base-36 bodies keep them URL- and shell-safe; 20 characters give ~103 bits.
 */
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Random bytes from the CSPRNG, handed out from a 4 KiB pool (one system call per ~200 ids
 * instead of one per id); each byte is used once.
 */
const pool = Buffer.alloc(4096);
let poolUsed = pool.length;

function body(length: number): string {
  if (poolUsed + length > pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[pool[poolUsed + i]! % 36];
  poolUsed += length;
  return out;
}

export const newPipelineId = (): string => `ip-${body(20)}`;
export const newComponentId = (): string => `ic-${body(20)}`;
export const newExecutionId = (): string => `exec-${randomBytes(16).toString('hex')}`;
export const newImageId = (): string => `m-${body(20)}`;
export const newResourceGroupId = (): string => `rg-${body(16)}`;
export const newVSwitchId = (): string => `vsw-${body(20)}`;
export const newTaskId = (): string => `t-${body(20)}`;

/** Account ids are 16-digit numbers, as Alibaba Cloud account ids (AliUid) are. */
export function newAccountId(): string {
  // The first digit stays below 9 so every id is exact as a JSON number (< 2^53), e.g. ImageOwnerId.
  let id = String(randomInt(1, 9));
  for (let i = 0; i < 15; i++) id += String(randomInt(0, 10));
  return id;
}

/** AccessKey ids start with `LTAI` as the cloud's do; secrets are 30 alphanumerics. */
export function newAccessKeyPair(): { id: string; secret: string } {
  const alnum = (n: number): string => {
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const bytes = randomBytes(n);
    let s = '';
    for (let i = 0; i < n; i++) s += chars[bytes[i]! % chars.length];
    return s;
  };
  return { id: `LTAI${alnum(20)}`, secret: alnum(30) };
}
