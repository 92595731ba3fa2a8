import type { Route } from '../../route';

/** The templates pages. */
export const templatesRoutes: Route[] = [];
