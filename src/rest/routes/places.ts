/** Routes of this section (see API.md). */
import type { AnyRoute } from '../http/route.ts';

export const placesRoutes: AnyRoute[] = [];
