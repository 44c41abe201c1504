import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ComponentSet, MetadataConverter } from '@salesforce/source-deploy-retrieve';
import { checkRulebookOnOrg } from '../../../src/cli/org-check-command';
import { parseEnv } from '../../../src/config/env';
import { ScorerError } from '../../../src/lib/errors';
import { picklistValues, updateManifests } from '../../../src/manifests/update-manifests';
import { DEFAULT_RULEBOOK_FILE, loadRulebookFile } from '../../../src/rules/load-rulebook';
import { startSandbox, type Sandbox } from '../../../src/sandbox';

/**
 * Sales ops add a flag. The org holds the picklist manifests/ deployed, so the new code would be
 * refused on every deal carrying it: `rules check --org` says so with the fix, `manifests --rules`
 * adds the code, and once that is deployed the same check passes. The org here is the sandbox with
 * its flags picklist set to exactly what the manifests file holds, before and after.
 */

const REPO = path.join(__dirname, '..', '..', '..');
const FLAGS_FILE = [
  'force-app',
  'main',
  'default',
  'objects',
  'Opportunity',
  'fields',
  'Commitment_Flags__c.field-meta.xml',
];

const NEW_FLAG = `
  - code: NO_CUSTOMER_REPLY
    label: No customer reply
    severity: warning
    weight: -0.3
    when:
      all:
        - { signal: sellerActions, gte: 3 }
        - { signal: customerYeses, eq: 0 }
    message: >-
      {sellerActions|seller action|seller actions} in the last {effortDays} days and not one customer yes.
`;

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'scorer-new-flag-'));
  cpSync(path.join(REPO, 'manifests'), path.join(work, 'manifests'), { recursive: true });
  const text = readFileSync(DEFAULT_RULEBOOK_FILE, 'utf8').replace(/\nflags:\n/, `\nflags:${NEW_FLAG}`);
  writeFileSync(path.join(work, 'rules.yaml'), text.replace(/^name: default$/m, 'name: with-reply'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The sandbox org as deployed from a manifests directory: its flags picklist is the file's. */
async function orgDeployedFrom(manifests: string): Promise<Sandbox> {
  const values = picklistValues(readFileSync(path.join(manifests, ...FLAGS_FILE), 'utf8'));
  return startSandbox({
    deals: 5,
    seed: 1,
    shape: { picklists: { 'Opportunity.Commitment_Flags__c': values } },
  });
}

const envFor = (sb: Sandbox) =>
  parseEnv({ SF_INSTANCE_URL: sb.instanceUrl, SF_ACCESS_TOKEN: sb.accessToken, LOG_LEVEL: 'silent' });

it('a new flag is refused by rules check --org with the fix, then manifests --rules adds it, then it is accepted and converts', async () => {
  const file = path.join(work, 'rules.yaml');
  const rulebook = loadRulebookFile(file);
  const manifests = path.join(work, 'manifests');

  const before = await orgDeployedFrom(manifests);
  try {
    const err = await checkRulebookOnOrg(file, rulebook, envFor(before)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ScorerError);
    expect((err as ScorerError).code).toBe('ORG_SHAPE_INVALID');
    expect((err as ScorerError).message).toContain('lacks the flag code NO_CUSTOMER_REPLY');
    expect((err as ScorerError).message).toContain('commitment-scorer manifests --rules FILE');
    expect((err as ScorerError).message.match(/lacks the flag code/g)).toHaveLength(1);
  } finally {
    await before.close();
  }

  const changes = updateManifests(manifests, rulebook);
  expect(changes.added).toEqual(['NO_CUSTOMER_REPLY']);
  expect(changes.removed).toEqual([]);
  const xml = readFileSync(path.join(manifests, ...FLAGS_FILE), 'utf8');
  expect(picklistValues(xml)).toEqual(rulebook.source.flags.map((f) => f.code));
  expect(xml).toContain('<label>One-sided effort</label>');
  expect(xml).toContain('<label>No customer reply</label>');
  expect(xml).toContain('<label>No recent customer yes</label>');
  const severities = readFileSync(
    path.join(manifests, 'force-app', 'main', 'default', 'lwc', 'commitmentWarnings', 'flagSeverities.js'),
    'utf8',
  );
  expect(severities).toContain("  NO_CUSTOMER_REPLY: 'warning',");
  // A second run has nothing left to do.
  expect(updateManifests(manifests, rulebook).written).toEqual([]);

  const after = await orgDeployedFrom(manifests);
  try {
    const lines = await checkRulebookOnOrg(file, rulebook, envFor(after));
    expect(lines[0]).toMatch(/rules\.yaml: valid.*13 of 13 flags on/);
    expect(rulebook.source.flags[0]?.code).toBe('NO_CUSTOMER_REPLY');
  } finally {
    await after.close();
  }

  const out = mkdtempSync(path.join(tmpdir(), 'scorer-new-flag-mdapi-'));
  try {
    const set = ComponentSet.fromSource(path.join(manifests, 'force-app'));
    set.sourceApiVersion = '62.0';
    await new MetadataConverter().convert(set, 'metadata', {
      type: 'directory',
      outputDirectory: out,
      genUniqueDir: false,
    });
    const object = readFileSync(path.join(out, 'objects', 'Opportunity.object'), 'utf8');
    expect(object).toContain('<fullName>NO_CUSTOMER_REPLY</fullName>');
    expect(object).toContain('<label>No customer reply</label>');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

it('renames a remapped output field in every file that names it, and the result converts', async () => {
  const manifests = path.join(work, 'remapped');
  cpSync(path.join(REPO, 'manifests'), manifests, { recursive: true });
  const text = readFileSync(DEFAULT_RULEBOOK_FILE, 'utf8').replace(
    'score: Commitment_Score__c',
    'score: Deal_Commitment_Score__c',
  );
  const file = path.join(work, 'remapped.yaml');
  writeFileSync(file, text);
  const changes = updateManifests(manifests, loadRulebookFile(file));
  expect(changes.renamed).toEqual(['Opportunity.Commitment_Score__c → Opportunity.Deal_Commitment_Score__c']);
  const fieldsDir = path.join(manifests, 'force-app', 'main', 'default', 'objects', 'Opportunity', 'fields');
  const field = readFileSync(path.join(fieldsDir, 'Deal_Commitment_Score__c.field-meta.xml'), 'utf8');
  expect(field).toContain('<fullName>Deal_Commitment_Score__c</fullName>');
  for (const set of ['Commitment_Scorer_Integration', 'Commitment_Scorer_Sales_User']) {
    const xml = readFileSync(
      path.join(manifests, 'force-app', 'main', 'default', 'permissionsets', `${set}.permissionset-meta.xml`),
      'utf8',
    );
    expect(xml).toContain('<field>Opportunity.Deal_Commitment_Score__c</field>');
    expect(xml).not.toMatch(/Opportunity\.Commitment_Score__c\b/);
  }
  const components = ComponentSet.fromSource(path.join(manifests, 'force-app'))
    .getSourceComponents()
    .toArray()
    .flatMap((c) => [c, ...c.getChildren()])
    .map((c) => `${c.type.name}:${c.fullName}`);
  expect(components).toContain('CustomField:Opportunity.Deal_Commitment_Score__c');
  expect(components).not.toContain('CustomField:Opportunity.Commitment_Score__c');
});
