import type { Route } from '../../route';

/** The images pages. */
export const imagesRoutes: Route[] = [];
