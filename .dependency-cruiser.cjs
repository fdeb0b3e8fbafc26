/** Architecture rules: dependencies point inward, and the sides never import each other. */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'src-never-imports-emulators',
      comment: 'The product reaches emulators only through configured base URLs.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^emulators/' },
    },
    {
      name: 'domain-is-innermost',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/(?!domain/)' },
    },
    {
      name: 'mailbox-never-imports-crm',
      severity: 'error',
      from: { path: '^src/mailbox/' },
      to: { path: '^src/crm/' },
    },
    {
      name: 'crm-never-imports-mailbox',
      severity: 'error',
      from: { path: '^src/crm/' },
      to: { path: '^src/mailbox/' },
    },
    {
      name: 'sync-core-uses-contracts-only',
      comment: 'The sync core depends on connector contracts, never on a concrete protocol.',
      severity: 'error',
      from: { path: '^src/(sync|mapping)/' },
      to: { path: '^src/(mailbox|crm|store|cli|server)/' },
    },
    {
      name: 'email-saving-uses-ports-only',
      comment:
        'The email pipeline reaches the mailbox, Salesforce and the store through ports in src/domain and src/email. ' +
        "It may use the linking engine's address parsing and pattern matching, which are pure functions, so an address " +
        'or a blocklist pattern means the same in both.',
      severity: 'error',
      from: { path: '^src/email/' },
      to: { path: '^src/(mailbox|crm|store|cli|server|sync|mapping|linking|scheduler|config)/', pathNot: '^src/linking/(addresses|address-patterns|lists)\\.ts$' },
    },
    {
      name: 'emulators-never-import-src',
      comment: 'Emulators speak the vendor wire format and stay independent of the product under test.',
      severity: 'error',
      from: { path: '^emulators/' },
      to: { path: '^src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
