import type { ComponentChildren } from 'preact';

/** One console page: its path pattern (`/templates/:id`) and what it renders. */
export interface Route {
  path: string;
  render(params: Record<string, string>, query: URLSearchParams): ComponentChildren;
}
