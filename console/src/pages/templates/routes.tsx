import type { Route } from '../../route';
import { CreateTemplatePage } from './create-page';
import { TemplateDetailPage } from './detail-page';
import { TemplatesListPage } from './list-page';

/** The templates pages. */
export const templatesRoutes: Route[] = [
  { path: '/templates', render: (_p, query) => <TemplatesListPage query={query} /> },
  { path: '/templates/new', render: (_p, query) => <CreateTemplatePage from={query.get('from') ?? undefined} /> },
  { path: '/templates/:id', render: (p) => <TemplateDetailPage id={p.id!} /> },
];
