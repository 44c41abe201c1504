#!/usr/bin/env node
// Writes the commitmentWarnings component's flag → severity map from the default rulebook, so the
// component and the rules cannot drift (test/unit/manifests checks the file equals this output).
// Usage (from the repository root): node manifests/scripts/generate-flag-severities.js [--check]
'use strict';

const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const RULEBOOK = path.join(__dirname, '..', '..', 'src', 'rules', 'default-rulebook.yaml');
const TARGET = path.join(
  __dirname,
  '..',
  'force-app',
  'main',
  'default',
  'lwc',
  'commitmentWarnings',
  'flagSeverities.js',
);

function render(rulebookText) {
  const rulebook = YAML.parse(rulebookText);
  return [
    '// Generated from the rulebook by `commitment-scorer manifests --rules FILE`',
    '// (or manifests/scripts/generate-flag-severities.js for the default rulebook). Do not edit by hand.',
    'export const FLAG_SEVERITIES = Object.freeze({',
    ...rulebook.flags.map((flag) => `  ${flag.code}: '${flag.severity}',`),
    '});',
    '',
  ].join('\n');
}

function main() {
  const expected = render(fs.readFileSync(RULEBOOK, 'utf8'));
  if (process.argv.includes('--check')) {
    const actual = fs.existsSync(TARGET) ? fs.readFileSync(TARGET, 'utf8') : '';
    if (actual !== expected) {
      console.error(
        `${path.relative(process.cwd(), TARGET)} is out of date: run this script without --check`,
      );
      process.exit(1);
    }
    return;
  }
  fs.writeFileSync(TARGET, expected);
}

if (require.main === module) main();
module.exports = { render, RULEBOOK, TARGET };
