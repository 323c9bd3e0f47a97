/**
 * Import rules of docs/ARCHITECTURE.md, enforced in `npm run arch` and CI (SQL placement and table
 * ownership are checked by scripts/check-architecture.ts).
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Folders and files form no cycle.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-http-from-domain',
      severity: 'error',
      comment: 'Modules, workflows and lib never depend on the HTTP layer.',
      from: { path: '^src/(modules|workflows|lib|db)/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'no-workflows-from-modules',
      severity: 'error',
      comment: 'Modules do not know the flows that combine them.',
      from: { path: '^src/(modules|lib|db)/' },
      to: { path: '^src/workflows/' },
    },
    {
      name: 'no-module-internals-between-modules',
      severity: 'error',
      comment: 'A module uses another module only through its public API (index.ts).',
      from: { path: '^src/modules/([^/]+)/' },
      to: {
        path: '^src/modules/[^/]+/',
        pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$', '^src/modules/common/'],
      },
    },
    {
      name: 'no-module-internals-from-outside',
      severity: 'error',
      comment: 'HTTP, workflows, the CLI and tools use a module only through its public API (index.ts).',
      from: { path: '^src/', pathNot: '^src/modules/' },
      to: {
        path: '^src/modules/[^/]+/',
        pathNot: [
          '^src/modules/[^/]+/index\\.ts$',
          '^src/modules/common/',
          '^src/modules/[^/]+/[^/]+\\.tables\\.ts$',
        ],
      },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A source file nobody imports is dead code (entry points excepted).',
      from: {
        orphan: true,
        pathNot: [
          '^src/db/ownership\\.ts$',
          '\\.d\\.ts$',
          '^src/cli/main\\.ts$',
          '^src/http/.+\\.routes\\.ts$',
          '^src/db/migrations/',
          '\\.tables\\.ts$',
        ],
      },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|test|bench|scripts)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    reporterOptions: {
      archi: {
        collapsePattern: '^src/(modules|http|workflows|lib|db|cli|tools|i18n)/[^/]+|^src/[^/]+\\.ts$',
      },
    },
  },
};
