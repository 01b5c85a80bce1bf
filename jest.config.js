/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // builds dist/ when it is missing or older than src/ (the CLI tests run the built program)
  globalSetup: '<rootDir>/test/global-setup.js',
  transform: {
    // transpile-only (isolatedModules); `tsc --noEmit` in `npm test` does the type-check
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // chalk 5 is ESM-only; Jest 30 on Node 20 cannot require(esm), so down-level it here
    '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022', isolatedModules: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!chalk/)'],
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
