/** One jest run for the whole repository; TypeScript is type-checked by `tsc -b`, so ts-jest only transpiles. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/test', '<rootDir>/examples'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: { module: 'commonjs', target: 'ES2022', esModuleInterop: true } }],
  },
  moduleNameMapper: {
    '^@opa-jwt/core/adapter$': '<rootDir>/packages/core/src/adapter',
    '^@opa-jwt/(rego|core|express|koa|fastify)$': '<rootDir>/packages/$1/src',
  },
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
