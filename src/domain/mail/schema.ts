import { type Static, Type } from '@sinclair/typebox';
import { Instant } from '../common/index.ts';

export const AddRecipientBody = Type.Object({ email: Type.String({ format: 'email', maxLength: 254 }) }, { additionalProperties: false });
export type AddRecipientBody = Static<typeof AddRecipientBody>;

/** The one-time token of a confirmation link (43 base64url characters; bounded for the fuzz). */
export const ConfirmQuery = Type.Object({ token: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }) }, { additionalProperties: false });
export type ConfirmQuery = Static<typeof ConfirmQuery>;

/** An outside mail recipient as the API answers it. */
export const RecipientOut = Type.Object({ id: Type.Integer(), email: Type.String(), confirmed: Type.Boolean(), created_at: Instant });
