const path = require('path');

// Two projects: the service's node tests, and the Lightning Web Component tests under manifests/.
// The LWC project mirrors @salesforce/sfdx-lwc-jest's own config (its transformer, preset setup and
// lightning/* stubs), but maps c/* and lightning/* itself: sfdx-lwc-jest's resolver finds
// sfdx-project.json from the working directory, and `npx jest` runs from the repository root.
const lwcPreset = require('@lwc/jest-preset');
const lightningStubs = path.join(
  path.dirname(require.resolve('@salesforce/sfdx-lwc-jest/package.json')),
  'src',
  'lightning-stubs',
);

// This file lives in test/ (the top level holds only the project's fixed folders); paths start at the root.
const ROOT = path.join(__dirname, '..');

/** @type {import('jest').Config} */
module.exports = {
  // Global options (testTimeout is not a per-project option).
  testTimeout: 30000,
  // Every log line captured in the run is scanned for secrets at the end (test/support/log-capture.ts).
  globalSetup: path.join(ROOT, 'test', 'support', 'log-scan-setup.ts'),
  globalTeardown: path.join(ROOT, 'test', 'support', 'log-scan-teardown.ts'),
  projects: [
    {
      displayName: 'node',
      rootDir: ROOT,
      testEnvironment: '<rootDir>/test/support/node-environment.js',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
    },
    {
      displayName: 'lwc',
      rootDir: ROOT,
      testEnvironment: lwcPreset.testEnvironment,
      roots: ['<rootDir>/manifests/force-app'],
      testMatch: ['**/lwc/**/__tests__/**/*.test.js'],
      moduleFileExtensions: lwcPreset.moduleFileExtensions,
      resolver: lwcPreset.resolver,
      transform: { '^.+\\.(js|ts|html|css)$': require.resolve('@lwc/jest-transformer') },
      setupFilesAfterEnv: lwcPreset.setupFilesAfterEnv,
      snapshotSerializers: lwcPreset.snapshotSerializers,
      moduleNameMapper: {
        '^lightning/(\\w+)$': `${lightningStubs}/$1/$1.js`,
        '^c/(\\w+)$': '<rootDir>/manifests/force-app/main/default/lwc/$1/$1.js',
        '^c/(\\w+)/(\\w+)$': '<rootDir>/manifests/force-app/main/default/lwc/$1/$2.js',
      },
      transformIgnorePatterns: [
        '/node_modules/(?!(.*@lwc/state)|(.*@salesforce/sfdx-lwc-jest/src/lightning-stubs)/)',
      ],
    },
  ],
};
