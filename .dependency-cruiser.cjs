/**
 * The house's dependency rules (docs/ARCHITECTURE.md "Layers"), checked by `npm run lint:deps` in CI
 * and by tests/boundaries.test.ts. Each folder README says the same in prose.
 *
 *   base/           imports nothing of the project
 *   contracts/      base/ only (plus zod/semver)
 *   provisioning/ cache/ kiosk/ update-helper/   (core folders) base/, contracts/, each other
 *   core/           the application core: base/, contracts/, the core folders
 *   router/         base/, contracts/ and the core folders' service contracts; never apps/ or electron
 *                   (router/client.ts is page code: the launcher kit's client typed with the whole router)
 *   launcher-kit/   page code: itself, and types from contracts/ only
 *   apps/           the edges (desktop, cli, simulator) build on everything below them
 *   electron        only apps/desktop/ and *.electron.ts
 */
const CORE = '^(provisioning|cache|kiosk|update-helper)/';
const PRODUCTION = '^(base|contracts|provisioning|cache|kiosk|update-helper|core|router|launcher-kit|apps)/';

module.exports = {
  forbidden: [
    {
      name: 'base-imports-nothing',
      comment: 'base/ is the bottom layer: it may import only itself (and npm/node modules).',
      severity: 'error',
      from: { path: '^base/' },
      to: { path: PRODUCTION, pathNot: '^base/' },
    },
    {
      name: 'contracts-only-base',
      comment: 'contracts/ holds the schemas of outside contracts; it may import only base/ and itself.',
      severity: 'error',
      from: { path: '^contracts/' },
      to: { path: PRODUCTION, pathNot: '^(base|contracts)/' },
    },
    {
      name: 'core-folders-stay-below-the-edges',
      comment:
        'provisioning/, cache/, kiosk/, update-helper/ never import the application core, the router, page code or apps/.',
      severity: 'error',
      from: { path: CORE },
      to: { path: '^(core|router|launcher-kit|apps)/' },
    },
    {
      name: 'application-core-below-the-edges',
      comment:
        'core/ builds the long-lived parts from injected dependencies; it never imports the router, page code or apps/.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(router|launcher-kit|apps)/' },
    },
    {
      name: 'router-is-thin',
      comment:
        'router/ validates and calls services: it never imports apps/, the application core wiring or page code.',
      severity: 'error',
      from: { path: '^router/', pathNot: '^router/client\\.ts$' },
      to: { path: '^(apps|launcher-kit)/' },
    },
    {
      name: 'router-takes-core-contracts-as-types',
      comment: "The router serves the core's services through their contracts: type-only imports of core/.",
      severity: 'error',
      from: { path: '^router/' },
      to: { path: '^core/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'router-client-is-page-code',
      comment:
        "router/client.ts is the app's own pages' client (the splash): the launcher kit's client with the full router type, nothing of the main process.",
      severity: 'error',
      from: { path: '^router/client\\.ts$' },
      to: { path: PRODUCTION, pathNot: '^launcher-kit/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'launcher-kit-is-page-code',
      comment: 'The launcher kit ships to the page: only itself and type-only imports of contracts/.',
      severity: 'error',
      from: { path: '^launcher-kit/' },
      to: { path: PRODUCTION, pathNot: '^(launcher-kit|contracts)/' },
    },
    {
      name: 'launcher-kit-types-only-from-contracts',
      comment: 'The page bundle carries no main-process code: contracts are imported as types only.',
      severity: 'error',
      from: { path: '^launcher-kit/' },
      to: { path: '^contracts/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'electron-only-at-the-edge',
      comment: 'Only apps/desktop/ and *.electron.ts import electron (DESIGN §3).',
      severity: 'error',
      from: { path: PRODUCTION, pathNot: ['^apps/desktop/', '\\.electron\\.ts$'] },
      to: { path: '^electron$|node_modules/electron/' },
    },
    {
      name: 'nothing-imports-the-edges',
      comment: 'apps/ are edges: no production folder outside apps/ imports them.',
      severity: 'error',
      from: { path: '^(base|contracts|provisioning|cache|kiosk|update-helper|core|router|launcher-kit)/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-unresolvable-imports',
      severity: 'error',
      from: { path: PRODUCTION },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|release)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
