/**
 * Outside mail recipients (API.md "Accounts and sessions"): an address is added, gets a one-time
 * link, and only once it was opened may reports and schedules go there. The confirm route is
 * public (it is opened from the mail) and answers a small HTML page.
 */
import { Type } from '@sinclair/typebox';
import { ROLES } from '../../domain/auth/index.ts';
import { IdParams, PageOf, pageOfAll, ShortListQuery } from '../../domain/common/index.ts';
import { AddRecipientBody, addRecipient, ConfirmQuery, confirmRecipient, deleteRecipient, listRecipients, RecipientOut } from '../../domain/mail/index.ts';
import { Reply, route } from '../http/route.ts';

const tag = 'mail';

const page = (title: string, text: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const mailRecipientRoutes = [
  route({
    method: 'post',
    path: '/api/mail-recipients',
    summary: 'Add an outside address for report mail; it gets a one-time confirmation link (counted in the daily mail quota)',
    tag,
    auth: ROLES.managers,
    body: AddRecipientBody,
    status: 201,
    response: RecipientOut,
    handler: async ({ body, principal, deps }) => {
      const r = await addRecipient(deps.sql, principal, body.email);
      await deps.mailJobs.enqueueConfirmation(r.id);
      return r;
    },
  }),
  route({
    method: 'get',
    path: '/api/mail-recipients',
    summary: 'Outside mail recipients of the shop, confirmed or waiting',
    tag,
    auth: ROLES.managers,
    query: ShortListQuery,
    response: PageOf(RecipientOut),
    handler: async ({ query, principal, deps }) => pageOfAll(await listRecipients(deps.sql, principal), query),
  }),
  route({
    method: 'delete',
    path: '/api/mail-recipients/:id',
    summary: 'Remove an outside mail recipient (mail already queued to it is not sent)',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    status: 204,
    handler: async ({ params, principal, deps }) => {
      await deleteRecipient(deps.sql, principal, params.id);
    },
  }),
  route({
    method: 'get',
    path: '/api/mail-recipients/confirm',
    summary: 'The link of a confirmation mail: confirms the address (one use), answers a small HTML page',
    tag,
    auth: 'public',
    query: ConfirmQuery,
    response: Type.String(),
    responseType: 'text/html',
    responseDescription: 'A small HTML page: the address is confirmed (200), or the link is not valid (404)',
    errors: [404],
    handler: async ({ query, deps }) => {
      const done = await confirmRecipient(deps.sql, query.token);
      const html = done
        ? page('Address confirmed', `${escapeHtml(done.email)} will receive the reports this shop sends it. Nothing else is needed.`)
        : page('Link not valid', 'This link was already used, has expired, or was never issued.');
      return new Reply(done ? 200 : 404, html, { 'Cache-Control': 'no-store' }, 'text/html; charset=utf-8');
    },
  }),
];
