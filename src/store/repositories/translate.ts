import { classifyDbError } from '../dialect.js';

/**
 * Awaits a write and turns the expected constraint violations into the store's typed errors
 * (which carry no SQL); anything else is rethrown unchanged.
 */
export async function translating<T>(
  write: Promise<T>,
  on: { unique?: (cause: unknown) => Error; foreignKey?: (cause: unknown) => Error },
): Promise<T> {
  try {
    return await write;
  } catch (e) {
    const kind = classifyDbError(e);
    if (kind === 'unique' && on.unique) throw on.unique(e);
    if (kind === 'foreign-key' && on.foreignKey) throw on.foreignKey(e);
    throw e;
  }
}
