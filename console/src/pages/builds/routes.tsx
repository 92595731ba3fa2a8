import type { Route } from '../../route';
import { BuildPage } from './build-page';
import { BuildsListPage } from './list-page';

/** The builds pages. */
export const buildsRoutes: Route[] = [
  { path: '/builds', render: (_p, query) => <BuildsListPage query={query} /> },
  { path: '/builds/:id', render: (p) => <BuildPage id={p.id!} /> },
];
