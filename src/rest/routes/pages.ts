/** The two pages and their assets (public, no token: the pages log in themselves). */
import { Type } from '@sinclair/typebox';
import { ERRORS } from '../../errors.ts';
import { Reply, route } from '../http/route.ts';
import { pageAssets, pageHtml, TERMINAL_MANIFEST } from '../pages.ts';

const tag = 'pages';
const HTML = 'text/html; charset=utf-8';
const security = {
  // The pages load only their own scripts and styles; data goes in as text (see public/src/dom.ts).
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:",
  'X-Content-Type-Options': 'nosniff',
};

export const pagesRoutes = [
  route({
    method: 'get',
    path: '/',
    summary: 'The live manager dashboard',
    tag,
    auth: 'public',
    noRateLimit: true,
    response: Type.String(),
    responseType: 'text/html',
    responseDescription: 'The page (a shell that loads its bundled script)',
    handler: () => new Reply(200, pageHtml('Tajir POS · Dashboard', 'dashboard.js'), security, HTML),
  }),
  route({
    method: 'get',
    path: '/terminal',
    summary: 'The POS terminal page',
    tag,
    auth: 'public',
    noRateLimit: true,
    response: Type.String(),
    responseType: 'text/html',
    responseDescription: 'The page (a shell that loads its bundled script)',
    handler: () => new Reply(200, pageHtml('Tajir POS · Terminal', 'terminal.js', true), security, HTML),
  }),
  route({
    method: 'get',
    path: '/sw.js',
    summary: "The terminal's service worker (at the root so its scope covers the page, its assets and the reads it caches)",
    tag,
    auth: 'public',
    noRateLimit: true,
    response: Type.String(),
    responseType: 'text/javascript',
    responseDescription: 'The service worker script',
    handler: async () => {
      const asset = (await pageAssets()).get('sw.js');
      if (!asset) throw ERRORS.notFound('Asset');
      return new Reply(200, asset.body, { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' }, asset.contentType);
    },
  }),
  route({
    method: 'get',
    path: '/manifest.webmanifest',
    summary: "The terminal's web manifest (installable)",
    tag,
    auth: 'public',
    noRateLimit: true,
    response: Type.String(),
    responseType: 'application/manifest+json',
    responseDescription: 'The web manifest',
    handler: () => new Reply(200, TERMINAL_MANIFEST, { 'Cache-Control': 'no-cache' }, 'application/manifest+json'),
  }),
  route({
    method: 'get',
    path: '/assets/:name',
    summary: 'Bundled page scripts and styles',
    tag,
    auth: 'public',
    noRateLimit: true,
    params: Type.Object({ name: Type.String({ pattern: '^[a-z]+\\.(js|css|svg)$' }) }),
    response: Type.String(),
    responseType: 'text/javascript',
    responseDescription: 'The script (text/javascript), stylesheet (text/css) or icon (image/svg+xml)',
    handler: async ({ params }) => {
      const asset = (await pageAssets()).get(params.name);
      if (!asset) throw ERRORS.notFound('Asset');
      return new Reply(200, asset.body, { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' }, asset.contentType);
    },
  }),
];
