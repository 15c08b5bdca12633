/** Every REST route, section by section. */
import type { AnyRoute } from '../http/route.ts';
import { authRoutes } from './auth.ts';
import { opsRoutes } from './ops.ts';

export function allRoutes(): AnyRoute[] {
  const routes: AnyRoute[] = [...authRoutes];
  routes.push(...opsRoutes(() => routes));
  return routes;
}
