import type { Route } from '../../route';

/** The components pages. */
export const componentsRoutes: Route[] = [];
