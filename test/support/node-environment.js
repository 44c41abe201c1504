// The node test environment, plus one check after each test file: the process-wide `http` module must
// be as the file found it. jest runs many files in one worker, so an HTTP interceptor (nock) left active
// by one file silently carries the next file's traffic, and a fault there aborts an unrelated suite.
const http = require('node:http');
const { TestEnvironment } = require('jest-environment-node');

class NodeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
  }

  async setup() {
    await super.setup();
    this.clientRequestAtStart = http.ClientRequest;
  }

  async teardown() {
    await super.teardown();
    if (http.ClientRequest !== this.clientRequestAtStart) {
      throw new Error(
        `${this.testPath}: left an HTTP interceptor active (http.ClientRequest is now ` +
          `${http.ClientRequest.name}); restore it in afterAll (useNock() in test/support/nock.ts does)`,
      );
    }
  }
}

module.exports = NodeEnvironment;
