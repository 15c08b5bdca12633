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
    entryPoints: { dashboard: `${PUBLIC}src/dashboard.ts`, terminal: `${PUBLIC}src/terminal.ts` },
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

export function pageHtml(title: string, script: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="stylesheet" href="/assets/styles.css"></head>
<body><main id="app"></main><script type="module" src="/assets/${script}"></script></body></html>`;
}
