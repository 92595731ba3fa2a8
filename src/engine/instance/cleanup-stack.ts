/**
 * Packer-style cleanup: every step that creates something pushes how to undo it; `unwind`
 * runs the undos in reverse order (last created, first removed). Every undo runs even when an
 * earlier one fails; the failures are reported together afterwards.
 */
export class CleanupStack {
  private readonly undos: { what: string; undo: () => Promise<void> }[] = [];

  /** Records how to undo something that now exists. */
  push(what: string, undo: () => Promise<void>): void {
    this.undos.push({ what, undo });
  }

  get size(): number {
    return this.undos.length;
  }

  /** Undoes everything, newest first; throws an AggregateError naming what could not be undone. */
  async unwind(): Promise<void> {
    const errors: Error[] = [];
    while (this.undos.length > 0) {
      const { what, undo } = this.undos.pop()!;
      try {
        await undo();
      } catch (err) {
        errors.push(new Error(`cleanup of ${what} failed: ${(err as Error).message}`, { cause: err }));
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join('; '));
  }

  /**
   * Runs `build` with this stack; when it throws, unwinds what it had done and rethrows the
   * original error (cleanup failures are attached as its `cleanupErrors`).
   */
  async guard<T>(build: (stack: CleanupStack) => Promise<T>): Promise<T> {
    try {
      return await build(this);
    } catch (err) {
      try {
        await this.unwind();
      } catch (cleanupErr) {
        if (err instanceof Error) Object.assign(err, { cleanupErrors: cleanupErr });
      }
      throw err;
    }
  }
}
