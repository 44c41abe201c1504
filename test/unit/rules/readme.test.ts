import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import { SIGNAL_NAMES } from '../../../src/rules/signal-catalogue';

const readme = readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');

describe('the README', () => {
  it('starts with the command that runs the product and the one that runs the tests', () => {
    const firstBlock = readme.split('```')[1];
    expect(firstBlock).toContain('npm install && npm start');
    expect(firstBlock).toContain('npm test');
  });

  it.each(SIGNAL_NAMES)('documents the signal %s', (name) => {
    expect(readme).toContain(`| \`${name}\` |`);
  });

  it.each(loadRulebookFile().flags.map((f) => f.code))('documents the default flag %s', (code) => {
    expect(readme).toContain(`| \`${code}\` |`);
  });
});
