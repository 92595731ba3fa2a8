import { stat } from 'node:fs/promises';

/** Whether `path` exists (following symlinks); any error reads as absent. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
