/**
 * The manager dashboard (/) and the terminal page (/terminal), served by the backend itself.
 * Their TypeScript (public/src) is bundled with esbuild once, on first request, and kept in
 * memory; nothing is written to disk and no build step is needed before `npm start`.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PUBLIC = fileURLToPath(new URL('../../public/', import.meta.url));

export interface Asset {
  body: string;
  contentType: string;
}

let assets: Promise<Map<string, Asset>> | undefined;

async function bundle(): Promise<Map<string, Asset>> {
  const out = await build({
    entryPoints: { dashboard: `${PUBLIC}src/dashboard.ts`, terminal: `${PUBLIC}src/terminal.ts`, sw: `${PUBLIC}src/sw.ts` },
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2020',
    minify: true,
    outdir: '/assets',
    logLevel: 'silent',
  });
  const map = new Map<string, Asset>();
  for (const f of out.outputFiles) map.set(f.path.split('/').pop()!, { body: f.text, contentType: 'text/javascript; charset=utf-8' });
  const uplotCss = await readFile(fileURLToPath(new URL('../../node_modules/uplot/dist/uPlot.min.css', import.meta.url)), 'utf8');
  const css = await readFile(`${PUBLIC}styles.css`, 'utf8');
  map.set('styles.css', { body: `${uplotCss}\n${css}`, contentType: 'text/css; charset=utf-8' });
  map.set('icon.svg', { body: TERMINAL_ICON, contentType: 'image/svg+xml' });
  return map;
}

/** The bundled assets (built once per process). */
export function pageAssets(): Promise<Map<string, Asset>> {
  assets ??= bundle().catch((err) => {
    assets = undefined;
    throw err;
  });
  return assets;
}

/** The terminal's web manifest: installable as a full-screen app that opens at the counter. */
export const TERMINAL_MANIFEST = JSON.stringify({
  name: 'Tajir POS Terminal',
  short_name: 'Tajir POS',
  start_url: '/terminal',
  scope: '/',
  display: 'standalone',
  background_color: '#f4f6f8',
  theme_color: '#12344d',
  icons: [{ src: '/assets/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
});

export const TERMINAL_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#12344d"/><text x="32" y="43" font-size="30" text-anchor="middle" fill="#fff" font-family="sans-serif">T</text></svg>`;

export function pageHtml(title: string, script: string, manifest = false): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="stylesheet" href="/assets/styles.css">${manifest ? '<link rel="manifest" href="/manifest.webmanifest"><meta name="theme-color" content="#12344d">' : ''}</head>
<body><main id="app"></main><script type="module" src="/assets/${script}"></script></body></html>`;
}
