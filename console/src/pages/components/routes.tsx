import type { Route } from '../../route';
import { CreateComponentPage } from './create-page';
import { ComponentDetailPage } from './detail-page';
import { ComponentsListPage } from './list-page';

/** The components pages. */
export const componentsRoutes: Route[] = [
  { path: '/components', render: (_p, query) => <ComponentsListPage query={query} /> },
  { path: '/components/new', render: (_p, query) => <CreateComponentPage query={query} /> },
  { path: '/components/:id', render: (p) => <ComponentDetailPage id={p.id!} /> },
];
