/** UAE cities and areas (reference data for customer addresses), readable by every principal. */
import { ROLES } from '../../domain/auth/index.ts';
import { IdParams, ItemsOf } from '../../domain/common/index.ts';
import * as places from '../../domain/places/index.ts';
import { AreaOut, CityOut } from '../../domain/places/index.ts';
import { route } from '../http/route.ts';

const tag = 'places';

export const placesRoutes = [
  route({
    method: 'get',
    path: '/api/cities',
    summary: 'UAE cities with their Arabic names',
    tag,
    auth: ROLES.any,
    response: ItemsOf(CityOut),
    handler: ({ deps }) => places.listCities(deps.sql),
  }),
  route({
    method: 'get',
    path: '/api/cities/:id/areas',
    summary: 'Areas of a UAE city, by name',
    tag,
    auth: ROLES.any,
    params: IdParams,
    response: ItemsOf(AreaOut),
    handler: ({ params, deps }) => places.listAreas(deps.sql, params.id),
  }),
];
