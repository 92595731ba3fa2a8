import type { Route } from '../../route';
import { ImageDetailPage } from './detail-page';
import { ImagesListPage } from './list-page';

/** The images pages. */
export const imagesRoutes: Route[] = [
  { path: '/images', render: (_p, query) => <ImagesListPage query={query} /> },
  { path: '/images/:id', render: (p, query) => <ImageDetailPage id={p.id!} query={query} /> },
];
