import { existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ScorerError } from '../lib/errors';
import type { Rulebook } from '../rules/load-rulebook';
import { DEFAULT_FIELDS, type FieldMap } from '../rules/schema';

/**
 * `commitment-scorer manifests --rules FILE`: brings the SFDX project in manifests/ in line with a
 * rulebook, so what the rules need is deployed with `sf project deploy start`: the restricted flags
 * picklist gets exactly the rulebook's codes (with readable labels), the component's severity map
 * follows, and a field the rulebook maps under another name is renamed everywhere it is named.
 * Only text is rewritten; the files stay in source format for the SFDX tools to convert.
 */

export interface ManifestChanges {
  /** Files written, relative to the manifests directory. */
  written: string[];
  /** `Old → New` for every field renamed. */
  renamed: string[];
  /** Flag codes added to, and removed from, the picklist. */
  added: string[];
  removed: string[];
}

const DEFAULT_DIR = ['force-app', 'main', 'default'];

export function updateManifests(dir: string, rulebook: Rulebook): ManifestChanges {
  const root = path.join(dir, ...DEFAULT_DIR);
  if (!existsSync(path.join(dir, 'sfdx-project.json')) || !existsSync(root))
    throw new ScorerError(
      'USAGE',
      `${dir} is not the manifests/ project (no sfdx-project.json and force-app/main/default)`,
    );
  const changes: ManifestChanges = { written: [], renamed: [], added: [], removed: [] };
  const write = (file: string, text: string): void => {
    if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
    writeFileSync(file, text);
    changes.written.push(path.relative(dir, file));
  };
  renameFields(root, rulebook.source.fields, changes, write);

  const flagsField = rulebook.source.fields.outputs.flags;
  const flagsFile = path.join(root, 'objects', 'Opportunity', 'fields', `${flagsField}.field-meta.xml`);
  const before = picklistValues(readFileSync(flagsFile, 'utf8'));
  const codes = rulebook.source.flags.map((f) => f.code);
  changes.added = codes.filter((c) => !before.includes(c));
  changes.removed = before.filter((c) => !codes.includes(c));
  write(flagsFile, withPicklist(readFileSync(flagsFile, 'utf8'), rulebook));

  const severities = path.join(root, 'lwc', 'commitmentWarnings', 'flagSeverities.js');
  if (existsSync(severities)) write(severities, severityModule(rulebook));
  return changes;
}

/** The picklist values of a field file, in order. */
export function picklistValues(xml: string): string[] {
  return [...xml.matchAll(/<value>\s*<fullName>([^<]*)<\/fullName>/g)].map((m) => m[1] as string);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Replaces the value set's values with the rulebook's codes and labels, keeping everything else. */
export function withPicklist(xml: string, rulebook: Rulebook): string {
  const labels = new Map(rulebook.flags.map((f) => [f.code, f.label]));
  const values = rulebook.source.flags
    .map((f) =>
      [
        '            <value>',
        `                <fullName>${f.code}</fullName>`,
        '                <default>false</default>',
        `                <label>${escapeXml(labels.get(f.code) ?? f.code)}</label>`,
        '            </value>',
      ].join('\n'),
    )
    .join('\n');
  const re = /(<sorted>false<\/sorted>\n)[\s\S]*?(\n {8}<\/valueSetDefinition>)/;
  if (!re.test(xml))
    throw new ScorerError('USAGE', 'The flags field file has no unsorted value set to rewrite');
  return xml.replace(re, (_m, head: string, tail: string) => `${head}${values}${tail}`);
}

export function severityModule(rulebook: Rulebook): string {
  return [
    '// Generated from the rulebook by `commitment-scorer manifests --rules FILE`',
    '// (or manifests/scripts/generate-flag-severities.js for the default rulebook). Do not edit by hand.',
    'export const FLAG_SEVERITIES = Object.freeze({',
    ...rulebook.source.flags.map((flag) => `  ${flag.code}: '${flag.severity}',`),
    '});',
    '',
  ].join('\n');
}

/**
 * A field the rulebook maps under a name other than the shipped one: its file takes the new name and
 * every mention (permission sets, list views, the report type, the formula, the component) follows.
 * Whole API names only, so Commitment_Score__c never matches inside another name.
 */
function renameFields(
  root: string,
  fields: FieldMap,
  changes: ManifestChanges,
  write: (file: string, text: string) => void,
): void {
  const pairs: [string, string, string][] = [];
  for (const group of ['outputs', 'inputs'] as const) {
    for (const [key, from] of Object.entries(DEFAULT_FIELDS[group]))
      pairs.push(['Opportunity', from, (fields[group] as Record<string, string>)[key] as string]);
  }
  const renames = pairs.filter(([, from, to]) => from !== to);
  if (renames.length === 0) return;
  for (const [object, from, to] of renames) {
    const dir = path.join(root, 'objects', object, 'fields');
    const oldFile = path.join(dir, `${from}.field-meta.xml`);
    const newFile = path.join(dir, `${to}.field-meta.xml`);
    if (!existsSync(oldFile)) continue; // renamed by an earlier run
    if (existsSync(newFile))
      throw new ScorerError('USAGE', `Cannot rename ${from}: manifests already hold ${to}`);
    renameSync(oldFile, newFile);
    changes.renamed.push(`${object}.${from} → ${object}.${to}`);
  }
  for (const file of filesUnder(root)) {
    const text = readFileSync(file, 'utf8');
    let next = text;
    for (const [, from, to] of renames)
      next = next.replace(new RegExp(`(?<![A-Za-z0-9_])${from}(?![A-Za-z0-9_])`, 'g'), to);
    if (next !== text) write(file, next);
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === '__tests__' ? [] : filesUnder(full);
    return [full];
  });
}
