/**
 * Module boundaries (`npm run lint:boundaries`): the dependency direction is
 * domain <- platform <- services <- standalone, and the domain stays free of frameworks and I/O.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'libs/domain holds deciders and pricing: no NestJS, no infrastructure, no I/O (DESIGN.md). Benches (src/bench/) are scripts that write and read files, not domain.',
      severity: 'error',
      from: { path: '^libs/domain/', pathNot: '/src/bench/' },
      to: {
        path: [
          '^libs/platform/',
          '^services/',
          'node_modules/(@nestjs|express|kafkajs|mongoose|@kurrent|@eventstore|ws|ocpp-rpc|prom-client)/',
          '^(node:)?(sqlite|fs|fs/promises|net|http|https|child_process|dgram|worker_threads)$',
        ],
      },
    },
    {
      name: 'libs-do-not-import-services',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^services/' },
    },
    {
      name: 'services-are-independent',
      comment: 'Services talk over the bus only; only the standalone composition imports them all.',
      severity: 'error',
      from: { path: '^services/([^/]+)/', pathNot: '^services/standalone/' },
      to: { path: '^services/([^/]+)/', pathNot: ['^services/$1/'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // per-package lint targets run from the package folder; rule paths stay relative to the repo root
    baseDir: __dirname,
    doNotFollow: { path: ['node_modules', '/dist/'] },
    exclude: { path: ['\\.spec\\.ts$', '/gen/'] },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['types', 'require', 'default'] },
  },
};
