/**
 * What an API process's readiness probe (`/readyz`) asks of its store. The store implements it
 * (`SqlStore`); the API reads it through this port only.
 */
export interface StoreHealth {
  /**
   * Runs one trivial query and checks that every migration this build knows has been applied
   * to the database. Resolves `undefined` when both hold, or a short reason the process is not
   * ready (`migrations pending`); rejects when the database does not answer.
   */
  unreadyReason(): Promise<string | undefined>;
}
