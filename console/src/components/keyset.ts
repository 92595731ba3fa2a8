import { setQuery } from '../router';

/**
 * Keyset paging (`NextToken`/`MaxResults`) with the page in the address: `after` holds the
 * NextToken of every page before this one, comma-separated (tokens are base64url), so the
 * page can be bookmarked and Previous needs no refetch of earlier pages.
 */
export interface KeysetPage {
  page: number;
  /** The NextToken to send for this page (undefined on the first). */
  token: string | undefined;
  next(nextToken: string): void;
  previous(): void;
}

export function keysetPage(query: URLSearchParams): KeysetPage {
  const stack = (query.get('after') ?? '').split(',').filter(Boolean);
  return {
    page: stack.length + 1,
    token: stack.at(-1),
    next: (nextToken) => setQuery({ after: [...stack, nextToken].join(',') }),
    previous: () => setQuery({ after: stack.slice(0, -1).join(',') || undefined }),
  };
}

/** Sets filters and goes back to the first page. */
export function setFilters(values: Record<string, string | undefined>): void {
  setQuery({ ...values, after: undefined });
}
