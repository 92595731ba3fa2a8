import type { Route } from '../../route';

/** The builds pages. */
export const buildsRoutes: Route[] = [];
