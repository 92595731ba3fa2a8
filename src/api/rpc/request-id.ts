import { randomUUID } from 'node:crypto';

/** A new RequestId in the ECS form: an upper-case UUID, e.g. `4C3A2E6B-0F8B-4C1B-9E2A-1234567890AB`. */
export function newRequestId(): string {
  return randomUUID().toUpperCase();
}
