/**
 * A registry refused or failed a request, or sent something Kiln will not accept. The message
 * names the registry and repository (never a credential); `status` is the HTTP status when the
 * registry answered one.
 */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** What a status means to a user, for the message of a refused request. */
export function statusMeaning(status: number): string {
  if (status === 401) return 'authentication required or the credentials were refused (401)';
  if (status === 403) return 'access denied (403)';
  if (status === 404) return 'not found (404)';
  if (status === 429) return 'too many requests (429)';
  if (status >= 500) return `the registry failed (${status})`;
  return `unexpected status ${status}`;
}
