import type { Route } from './route';
import { buildsRoutes } from './pages/builds/routes';
import { componentsRoutes } from './pages/components/routes';
import { imagesRoutes } from './pages/images/routes';
import { templatesRoutes } from './pages/templates/routes';

/** Every page; within a section, most specific first (`/templates/new` before `/templates/:id`). */
export const routes: Route[] = [...templatesRoutes, ...buildsRoutes, ...imagesRoutes, ...componentsRoutes];
