/**
 * The layering rules (../shared/STYLE.md "The house" and §15), checked by `npm run deps` in
 * `npm test`. dependency-cruiser reads TypeScript through swc (TypeScript 7 has no compiler API).
 * Type-only imports count for the section rules but not for cycles: they vanish at run time.
 */
const SECTION_FILE = '^src/domain/([^/]+)/.+';
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No import cycles (type-only imports excepted: they are erased).',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'domain-knows-no-transport',
      comment: 'The domain never imports the HTTP, realtime, worker or entry layers (rest | realtime | workers -> domain -> db | redis).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: ['^src/(rest|realtime|workers|cli)/', '^src/(main|node|deps|preflight)\\.ts$'] },
    },
    {
      name: 'domain-imports-no-transport-library',
      comment: 'uWebSockets.js, Socket.IO and BullMQ stay out of the domain.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: 'node_modules/(uWebSockets\\.js|uwebsockets|socket\\.io|@socket\\.io|bullmq)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'db-and-redis-are-the-bottom',
      comment: 'src/db and src/redis import no layer above them.',
      severity: 'error',
      from: { path: '^src/(db|redis)/' },
      to: { path: ['^src/(domain|rest|realtime|workers|cli)/', '^src/(main|node|deps)\\.ts$'] },
    },
    {
      name: 'section-surface-from-outside-the-domain',
      comment: 'Routes, realtime, workers and the entry points use a section through its index.ts only.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/domain/' },
      to: { path: SECTION_FILE, pathNot: '^src/domain/[^/]+/index\\.ts$' },
    },
    {
      name: 'section-surface-between-sections',
      comment: 'A section uses another section through its index.ts only.',
      severity: 'error',
      from: { path: '^src/domain/([^/]+)/' },
      to: { path: '^src/domain/', pathNot: ['^src/domain/$1/', '^src/domain/[^/]+/index\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
