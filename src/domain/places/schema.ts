/** Response schemas of the UAE reference places. */
import { Type } from '@sinclair/typebox';

export const CityOut = Type.Object({ id: Type.Integer(), name: Type.String(), name_ar: Type.String() });
export const AreaOut = Type.Object({ id: Type.Integer(), name: Type.String() });
