import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ComponentSet, MetadataConverter, type SourceComponent } from '@salesforce/source-deploy-retrieve';
import { parse } from 'yaml';

// The manifests must agree with the default rulebook (flag codes, field names) and stay deployable.
// Everything is read once; no org is needed.

const REPO = join(__dirname, '..', '..', '..');
const MANIFESTS = join(REPO, 'manifests');
const FORCE_APP = join(MANIFESTS, 'force-app');
const DEFAULT = join(FORCE_APP, 'main', 'default');

interface Rulebook {
  flags: { code: string; severity: string }[];
  fields: {
    outputs: Record<string, string>;
    inputs: Record<string, string>;
    commitment: Record<string, string>;
  };
}
const rulebook = parse(readFileSync(join(REPO, 'src', 'rules', 'default-rulebook.yaml'), 'utf8')) as Rulebook;

/** The text of one element (first match) in an XML document. */
function tag(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}
function tags(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1] as string);
}
/** Child elements of the root, in document order (our files indent them by four spaces). */
function rootChildren(xml: string): string[] {
  return [...xml.matchAll(/^ {4}<(\w+)[ >]/gm)].map((m) => m[1] as string);
}
const byCodePoint = (a: string, b: string): number =>
  a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;

interface Field {
  object: string;
  name: string;
  xml: string;
  type: string;
  precision?: number;
  scale?: number;
  length?: number;
  required: boolean;
  formula: boolean;
  picklistValues: string[];
  restricted: boolean;
}

function loadFields(): Map<string, Field> {
  const fields = new Map<string, Field>();
  for (const object of readdirSync(join(DEFAULT, 'objects'))) {
    const dir = join(DEFAULT, 'objects', object, 'fields');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) {
      const xml = readFileSync(join(dir, file), 'utf8');
      const name = file.replace(/\.field-meta\.xml$/, '');
      const num = (t: string): number | undefined =>
        tag(xml, t) === undefined ? undefined : Number(tag(xml, t));
      fields.set(`${object}.${name}`, {
        object,
        name,
        xml,
        type: tag(xml, 'type') ?? '',
        precision: num('precision'),
        scale: num('scale'),
        length: num('length'),
        required: tag(xml, 'required') === 'true',
        formula: tag(xml, 'formula') !== undefined,
        picklistValues: [...xml.matchAll(/<value>\s*<fullName>([^<]*)<\/fullName>/g)].map(
          (m) => m[1] as string,
        ),
        restricted: tag(xml, 'restricted') === 'true',
      });
      expect(tag(xml, 'fullName')).toBe(name);
    }
  }
  return fields;
}

const fields = loadFields();
function field(object: string, name: string): Field {
  const f = fields.get(`${object}.${name}`);
  if (!f) throw new Error(`manifests have no field ${object}.${name}`);
  return f;
}

const OUTPUT_FIELDS = Object.values(rulebook.fields.outputs);
const INPUT_FIELDS = Object.values(rulebook.fields.inputs);
const {
  object: COMMITMENT_OBJECT,
  relationship: COMMITMENT_RELATIONSHIP,
  opportunity: COMMITMENT_PARENT,
  ...commitmentFieldMap
} = rulebook.fields.commitment;
// The master-detail field is checked on its own: it may not appear in permission sets.
const COMMITMENT_FIELDS = Object.values(commitmentFieldMap);

describe('manifests/ as an SFDX project', () => {
  let components: SourceComponent[];
  let outDir: string;

  beforeAll(async () => {
    const set = ComponentSet.fromSource(FORCE_APP);
    // `sf project deploy start` takes the API version from sfdx-project.json; do the same.
    set.sourceApiVersion = JSON.parse(
      readFileSync(join(MANIFESTS, 'sfdx-project.json'), 'utf8'),
    ).sourceApiVersion;
    components = set
      .getSourceComponents()
      .toArray()
      .flatMap((c) => [c, ...c.getChildren()]);
    outDir = mkdtempSync(join(tmpdir(), 'commitment-manifests-'));
    await new MetadataConverter().convert(set, 'metadata', {
      type: 'directory',
      outputDirectory: outDir,
      genUniqueDir: false,
    });
  });
  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('declares force-app as the default package directory at API 62.0', () => {
    const project = JSON.parse(readFileSync(join(MANIFESTS, 'sfdx-project.json'), 'utf8'));
    expect(project.sourceApiVersion).toBe('62.0');
    expect(project.packageDirectories).toEqual([{ path: 'force-app', default: true }]);
  });

  it('resolves every expected component by type and full name', () => {
    const found = new Set(components.map((c) => `${c.type.name}:${c.fullName}`));
    const expected = [
      'CustomObject:Opportunity',
      'CustomObject:Buying_Commitment__c',
      ...[...OUTPUT_FIELDS, 'Commitment_Adjusted_Amount__c', ...INPUT_FIELDS].map(
        (f) => `CustomField:Opportunity.${f}`,
      ),
      ...[...COMMITMENT_FIELDS, COMMITMENT_PARENT].map((f) => `CustomField:${COMMITMENT_OBJECT}.${f}`),
      'ListView:Opportunity.One_Sided_Effort',
      'ListView:Opportunity.No_Reason_To_Act',
      'ListView:Buying_Commitment__c.All',
      'Layout:Buying_Commitment__c-Buying Commitment Layout',
      'CustomTab:Buying_Commitment__c',
      'ReportType:Commitment_Forecast',
      'PermissionSet:Commitment_Scorer_Integration',
      'PermissionSet:Commitment_Scorer_Sales_User',
      'PlatformEventChannel:Commitment_Scorer__chn',
      ...[
        'OpportunityChangeEvent',
        'TaskChangeEvent',
        'EventChangeEvent',
        'OpportunityContactRoleChangeEvent',
        'Buying_Commitment_ChangeEvent',
      ].map((e) => `PlatformEventChannelMember:Commitment_Scorer_chn_${e}`),
      'LightningComponentBundle:commitmentWarnings',
      'FlexiPage:Commitment_Opportunity_Record_Page',
      'QuickAction:Opportunity.Record_Customer_Commitment',
    ];
    for (const c of expected) expect(found).toContain(c);
    expect(found.size).toBe(expected.length);
  });

  it('converts to metadata format, without the LWC tests', () => {
    const lwcDir = join(outDir, 'lwc', 'commitmentWarnings');
    expect(readdirSync(lwcDir).sort()).toEqual([
      'commitmentWarnings.html',
      'commitmentWarnings.js',
      'commitmentWarnings.js-meta.xml',
      'flagSeverities.js',
    ]);
    expect(readFileSync(join(outDir, 'objects', 'Opportunity.object'), 'utf8')).toContain(
      '<fullName>Commitment_Flags__c</fullName>',
    );
    const pkg = readFileSync(join(outDir, 'package.xml'), 'utf8');
    for (const type of [
      'CustomField',
      'FlexiPage',
      'QuickAction',
      'PermissionSet',
      'PlatformEventChannel',
      'PlatformEventChannelMember',
      'ReportType',
    ]) {
      expect(pkg).toContain(`<name>${type}</name>`);
    }
    expect(tag(pkg, 'version')).toBe('62.0');
  });
});

describe('flag codes', () => {
  const codes = rulebook.flags.map((f) => f.code);

  it('the flags picklist is restricted, multi-select, and lists exactly the rulebook codes in order', () => {
    const flags = field('Opportunity', rulebook.fields.outputs.flags as string);
    expect(flags.type).toBe('MultiselectPicklist');
    expect(flags.restricted).toBe(true);
    expect(flags.picklistValues).toEqual(codes);
    expect(flags.xml).toContain('<sorted>false</sorted>');
  });

  it('list views filter on codes that exist', () => {
    for (const file of ['One_Sided_Effort', 'No_Reason_To_Act']) {
      const xml = readFileSync(
        join(DEFAULT, 'objects', 'Opportunity', 'listViews', `${file}.listView-meta.xml`),
        'utf8',
      );
      expect(tag(xml, 'field')).toBe(rulebook.fields.outputs.flags);
      expect(tag(xml, 'operation')).toBe('includes');
      expect(codes).toContain(tag(xml, 'value'));
    }
  });

  it("the component's severity module equals the rulebook (regenerate: node manifests/scripts/generate-flag-severities.js)", () => {
    const js = readFileSync(join(DEFAULT, 'lwc', 'commitmentWarnings', 'flagSeverities.js'), 'utf8');
    const entries = [...js.matchAll(/^ {2}(\w+): '(\w+)',$/gm)].map((m) => [m[1], m[2]]);
    expect(entries).toEqual(rulebook.flags.map((f) => [f.code, f.severity]));
  });
});

describe('fields the service reads and writes', () => {
  type Check = (f: Field) => void;
  const isType =
    (...types: string[]): Check =>
    (f) =>
      expect(types).toContain(f.type);
  const number =
    (type: string, precision: number, scale: number): Check =>
    (f) => {
      expect(f.type).toBe(type);
      expect(f.precision).toBe(precision);
      expect(f.scale).toBe(scale);
    };
  const text =
    (minLength: number): Check =>
    (f) => {
      expect(['Text', 'TextArea', 'LongTextArea']).toContain(f.type);
      expect(f.length ?? 255).toBeGreaterThanOrEqual(minLength);
    };
  const picklist =
    (...values: string[]): Check =>
    (f) => {
      expect(f.type).toBe('Picklist');
      for (const v of values) expect(f.picklistValues).toContain(v);
    };

  // One expectation per rulebook key: a new key in the rulebook fails here until the manifests follow.
  const outputs: Record<string, Check> = {
    score: number('Number', 3, 0),
    adjustedProbability: number('Percent', 3, 0),
    flags: (f) => {
      expect(f.type).toBe('MultiselectPicklist');
      expect(f.restricted).toBe(true);
    },
    warnings: (f) => {
      expect(f.type).toBe('LongTextArea');
      expect(f.length).toBeGreaterThanOrEqual(4000);
    },
    balance: number('Number', 5, 2),
    lastCustomerYesDate: isType('Date'),
    scoredAt: isType('DateTime'),
    rulesVersion: (f) => {
      expect(f.type).toBe('Text');
      expect(f.length).toBeGreaterThanOrEqual(40);
    },
    calibration: (f) => {
      expect(f.type).toBe('Text');
      expect(f.length).toBe(255);
    },
  };
  const inputs: Record<string, Check> = {
    compellingEvent: text(255),
    costOfDelay: isType('Currency'),
    customerDecisionDate: isType('Date'),
    strategicInitiative: text(80),
    discountPercent: isType('Percent', 'Number'),
  };
  const commitment: Record<string, Check> = {
    type: picklist('Meeting', 'Trial/POC agreed', 'Mutual plan agreed', 'Budget confirmed'),
    ownerSide: picklist('Customer', 'Seller'),
    status: picklist('Requested', 'Given', 'Declined', 'Done'),
    dueDate: isType('Date'),
    completedDate: isType('Date'),
    contact: (f) => {
      expect(f.type).toBe('Lookup');
      expect(tag(f.xml, 'referenceTo')).toBe('Contact');
    },
  };

  it.each(Object.entries(rulebook.fields.outputs))('output %s → Opportunity.%s', (key, name) => {
    expect(Object.keys(outputs)).toContain(key);
    const f = field('Opportunity', name);
    outputs[key]?.(f);
    expect(f.formula).toBe(false);
    expect(f.required).toBe(false);
  });

  it.each(Object.entries(rulebook.fields.inputs))('input %s → Opportunity.%s', (key, name) => {
    expect(Object.keys(inputs)).toContain(key);
    inputs[key]?.(field('Opportunity', name));
  });

  it.each(Object.entries(commitmentFieldMap))('commitment %s → %s', (key, name) => {
    expect(Object.keys(commitment)).toContain(key);
    commitment[key]?.(field(COMMITMENT_OBJECT as string, name));
  });

  it('the commitment object is a master-detail child of Opportunity under the rulebook relationship name', () => {
    const md = [...fields.values()].filter(
      (f) => f.object === COMMITMENT_OBJECT && f.type === 'MasterDetail',
    );
    expect(md).toHaveLength(1);
    expect(md[0]!.name).toBe(COMMITMENT_PARENT);
    expect(tag(md[0]!.xml, 'referenceTo')).toBe('Opportunity');
    expect(`${tag(md[0]!.xml, 'relationshipName')}__r`).toBe(COMMITMENT_RELATIONSHIP);
    const object = readFileSync(
      join(DEFAULT, 'objects', COMMITMENT_OBJECT!, `${COMMITMENT_OBJECT}.object-meta.xml`),
      'utf8',
    );
    expect(tag(object, 'sharingModel')).toBe('ControlledByParent');
  });

  it('the adjusted amount is a currency formula of Amount and the adjusted probability', () => {
    const f = field('Opportunity', 'Commitment_Adjusted_Amount__c');
    expect(f.type).toBe('Currency');
    expect(tag(f.xml, 'formula')).toBe(`Amount * ${rulebook.fields.outputs.adjustedProbability}`);
  });

  it('tracks history on score, adjusted probability, flags and the reason-to-act inputs, and Opportunity history is enabled', () => {
    for (const key of ['score', 'adjustedProbability', 'flags']) {
      expect(tag(field('Opportunity', rulebook.fields.outputs[key]!).xml, 'trackHistory')).toBe('true');
    }
    // Backtests rebuild these four as they were before the close; untracked, they would leak the future.
    for (const key of ['compellingEvent', 'costOfDelay', 'customerDecisionDate', 'strategicInitiative']) {
      expect(tag(field('Opportunity', rulebook.fields.inputs[key]!).xml, 'trackHistory')).toBe('true');
    }
    const tracked = [...fields.values()].filter(
      (f) => f.object === 'Opportunity' && tag(f.xml, 'trackHistory') === 'true',
    );
    expect(tracked.length).toBeLessThanOrEqual(7); // Opportunity allows 20 tracked fields in all; leave room for the org's own
    const object = readFileSync(
      join(DEFAULT, 'objects', 'Opportunity', 'Opportunity.object-meta.xml'),
      'utf8',
    );
    expect(rootChildren(object)).toEqual(['enableHistory']);
    expect(tag(object, 'enableHistory')).toBe('true');
  });

  it('the report type and list views show only fields that exist', () => {
    const files = [
      join(DEFAULT, 'reportTypes', 'Commitment_Forecast.reportType-meta.xml'),
      ...['One_Sided_Effort', 'No_Reason_To_Act'].map((v) =>
        join(DEFAULT, 'objects', 'Opportunity', 'listViews', `${v}.listView-meta.xml`),
      ),
    ];
    for (const file of files) {
      const xml = readFileSync(file, 'utf8');
      const custom = [...tags(xml, 'field'), ...tags(xml, 'columns')].filter((n) => n.endsWith('__c'));
      expect(custom.length).toBeGreaterThan(0);
      for (const name of custom) field('Opportunity', name);
    }
    const reportType = readFileSync(files[0] as string, 'utf8');
    expect(tags(reportType, 'field')).toContain('Commitment_Adjusted_Amount__c');
  });

  it('the component reads only fields that exist', () => {
    const js = readFileSync(join(DEFAULT, 'lwc', 'commitmentWarnings', 'commitmentWarnings.js'), 'utf8');
    const used = [...js.matchAll(/@salesforce\/schema\/Opportunity\.(\w+)/g)].map((m) => m[1] as string);
    expect(used.length).toBeGreaterThan(5);
    for (const name of used.filter((n) => n.endsWith('__c'))) field('Opportunity', name);
  });
});

describe('permission sets', () => {
  const read = (name: string): string =>
    readFileSync(join(DEFAULT, 'permissionsets', `${name}.permissionset-meta.xml`), 'utf8');
  const fieldPerms = (xml: string) =>
    [...xml.matchAll(/<fieldPermissions>([\s\S]*?)<\/fieldPermissions>/g)].map((m) => ({
      field: tag(m[1] as string, 'field') as string,
      editable: tag(m[1] as string, 'editable') === 'true',
      readable: tag(m[1] as string, 'readable') === 'true',
    }));
  const objectPerms = (xml: string) =>
    [...xml.matchAll(/<objectPermissions>([\s\S]*?)<\/objectPermissions>/g)].map((m) => m[1] as string);
  const objectPerm = (xml: string, object: string) =>
    objectPerms(xml).find((p) => tag(p, 'object') === object);

  it.each(['Commitment_Scorer_Integration', 'Commitment_Scorer_Sales_User'])(
    '%s follows the deploy rules',
    (name) => {
      const xml = read(name);
      const children = rootChildren(xml);
      expect(children).toEqual([...children].sort(byCodePoint));
      expect(tag(xml, 'label')).toBeTruthy();
      const perms = fieldPerms(xml);
      expect(perms.map((p) => p.field)).toEqual(perms.map((p) => p.field).sort(byCodePoint));
      const objects = objectPerms(xml).map((p) => tag(p, 'object') as string);
      expect(objects).toEqual([...objects].sort(byCodePoint));
      for (const p of objectPerms(xml)) {
        expect(rootChildrenOf(p)).toEqual([...rootChildrenOf(p)].sort(byCodePoint));
        expect(tag(p, 'allowRead')).toBe('true');
      }
      for (const p of perms) {
        if (p.editable) expect(p.readable).toBe(true);
        const [object, fieldName] = p.field.split('.') as [string, string];
        if (!fieldName.endsWith('__c')) continue; // standard fields (Amount, Probability) are not in the manifests
        const f = field(object, fieldName);
        expect(f.required).toBe(false);
        expect(f.type).not.toBe('MasterDetail');
        if (f.formula) expect(p.editable).toBe(false);
      }
    },
  );

  function rootChildrenOf(block: string): string[] {
    return [...block.matchAll(/^\s*<(\w+)>/gm)].map((m) => m[1] as string);
  }

  it('the integration user edits only the output fields, reads the rest, and sees all opportunities', () => {
    const xml = read('Commitment_Scorer_Integration');
    const perms = fieldPerms(xml);
    const editable = perms.filter((p) => p.editable).map((p) => p.field);
    expect(editable.sort()).toEqual(OUTPUT_FIELDS.map((f) => `Opportunity.${f}`).sort());
    const readable = new Set(perms.filter((p) => p.readable).map((p) => p.field));
    for (const f of [...INPUT_FIELDS, 'Commitment_Adjusted_Amount__c'])
      expect(readable).toContain(`Opportunity.${f}`);
    for (const f of COMMITMENT_FIELDS) expect(readable).toContain(`${COMMITMENT_OBJECT}.${f}`);
    expect(tag(objectPerm(xml, 'Opportunity')!, 'viewAllRecords')).toBe('true');
    expect(tag(objectPerm(xml, COMMITMENT_OBJECT!)!, 'viewAllRecords')).toBe('true');
    // Writing the output fields needs edit on the Opportunity object; nothing else is edited.
    expect(tag(objectPerm(xml, 'Opportunity')!, 'allowEdit')).toBe('true');
    for (const p of objectPerms(xml)) {
      const grants = ['allowCreate', 'allowDelete', 'modifyAllRecords'];
      if (tag(p, 'object') !== 'Opportunity') grants.push('allowEdit');
      for (const grant of grants) expect(tag(p, grant)).toBe('false');
    }
    expect(xml).toMatch(
      /<userPermissions>\s*<enabled>true<\/enabled>\s*<name>ApiEnabled<\/name>\s*<\/userPermissions>/,
    );
  });

  it('the sales user reads the outputs and edits the inputs and the commitments', () => {
    const xml = read('Commitment_Scorer_Sales_User');
    const perms = new Map(fieldPerms(xml).map((p) => [p.field, p]));
    for (const f of [...OUTPUT_FIELDS, 'Commitment_Adjusted_Amount__c']) {
      expect(perms.get(`Opportunity.${f}`)).toMatchObject({ readable: true, editable: false });
    }
    for (const f of INPUT_FIELDS)
      expect(perms.get(`Opportunity.${f}`)).toMatchObject({ readable: true, editable: true });
    for (const f of COMMITMENT_FIELDS) {
      expect(perms.get(`${COMMITMENT_OBJECT}.${f}`)).toMatchObject({ readable: true, editable: true });
    }
    const commitmentPerm = objectPerm(xml, COMMITMENT_OBJECT!)!;
    for (const grant of ['allowCreate', 'allowEdit', 'allowDelete'])
      expect(tag(commitmentPerm, grant)).toBe('true');
    expect(tag(commitmentPerm, 'modifyAllRecords')).toBe('false');
  });

  it('the sales user set grants no edit on Opportunity itself: field access only, the profile keeps the rest', () => {
    const xml = read('Commitment_Scorer_Sales_User');
    const opp = objectPerm(xml, 'Opportunity')!;
    for (const grant of ['allowCreate', 'allowEdit', 'allowDelete', 'modifyAllRecords', 'viewAllRecords'])
      expect(tag(opp, grant)).toBe('false');
    expect(tag(opp, 'allowRead')).toBe('true');
  });

  it('no permission set grants an object the product does not use', () => {
    const used = new Set(['Account', 'Contact', 'Opportunity', COMMITMENT_OBJECT]);
    for (const name of ['Commitment_Scorer_Integration', 'Commitment_Scorer_Sales_User']) {
      for (const p of objectPerms(read(name))) expect(used).toContain(tag(p, 'object'));
    }
  });
});

describe('the record page and the quick action reps use', () => {
  const page = readFileSync(
    join(DEFAULT, 'flexipages', 'Commitment_Opportunity_Record_Page.flexipage-meta.xml'),
    'utf8',
  );
  const action = readFileSync(
    join(DEFAULT, 'quickActions', 'Opportunity.Record_Customer_Commitment.quickAction-meta.xml'),
    'utf8',
  );
  const regions = [...page.matchAll(/<flexiPageRegions>([\s\S]*?)<\/flexiPageRegions>/g)].map((m) => ({
    body: m[1] as string,
    name: [...(m[1] as string).matchAll(/^ {8}<name>([^<]*)<\/name>/gm)].map((n) => n[1])[0],
  }));
  const components = tags(page, 'componentName');

  it('is an Opportunity record page on the desktop record template, shipped for an admin to activate', () => {
    expect(/^ {4}<type>([^<]*)<\/type>/m.exec(page)?.[1]).toBe('RecordPage');
    expect(tag(page, 'sobjectType')).toBe('Opportunity');
    expect(page).toContain('<name>flexipage:recordHomeTemplateDesktop</name>');
    expect(page).not.toContain('<mode>'); // a page of its own, not an override of another
    expect(regions.map((r) => r.name)).toEqual(expect.arrayContaining(['header', 'main', 'sidebar']));
  });

  it('holds the warnings component, a section with the four reason-to-act inputs, and the Buying Commitments list', () => {
    expect(components).toContain('commitmentWarnings');
    expect(components).toContain('flexipage:fieldSection');
    const fieldItems = tags(page, 'fieldItem').map((f) => f.replace(/^Record\./, ''));
    const inputs = rulebook.fields.inputs;
    expect(fieldItems.sort()).toEqual(
      [
        inputs.compellingEvent,
        inputs.costOfDelay,
        inputs.customerDecisionDate,
        inputs.strategicInitiative,
      ].sort(),
    );
    for (const f of fieldItems) field('Opportunity', f);
    expect(page).toContain(`<value>${COMMITMENT_RELATIONSHIP}</value>`);
    expect(page).toContain('<value>Opportunity.Record_Customer_Commitment</value>');
  });

  it('every facet a component names exists, and identifiers are unique on the page', () => {
    const names = new Set(regions.map((r) => r.name));
    for (const m of page.matchAll(/<name>(?:columns|body)<\/name>\s*<value>([^<]*)<\/value>/g))
      expect(names).toContain(m[1]);
    const ids = tags(page, 'identifier');
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('the quick action creates a customer-owned commitment under the deal, with fields that exist', () => {
    expect(tag(action, 'type')).toBe('Create');
    expect(tag(action, 'targetObject')).toBe(COMMITMENT_OBJECT);
    expect(tag(action, 'targetParentField')).toBe(COMMITMENT_PARENT);
    expect(action).toMatch(/<field>Owner_Side__c<\/field>\s*<literalValue>Customer<\/literalValue>/);
    for (const f of tags(action, 'field')) field(COMMITMENT_OBJECT as string, f);
    expect(rootChildren(action)).toEqual([...rootChildren(action)].sort(byCodePoint));
  });
});

describe('change data capture', () => {
  const dir = join(DEFAULT, 'platformEventChannelMembers');
  const members = readdirSync(dir).map((file) => readFileSync(join(dir, file), 'utf8'));

  it('a data channel named as the service subscribes to it', () => {
    const xml = readFileSync(
      join(DEFAULT, 'platformEventChannels', 'Commitment_Scorer__chn.platformEventChannel-meta.xml'),
      'utf8',
    );
    expect(tag(xml, 'channelType')).toBe('data');
  });

  it('selects the five entities, with the parent id enriched where the service needs it', () => {
    const byEntity = Object.fromEntries(
      members.map((xml) => {
        expect(tag(xml, 'eventChannel')).toBe('Commitment_Scorer__chn');
        expect(rootChildren(xml)).toEqual([...rootChildren(xml)].sort(byCodePoint));
        return [tag(xml, 'selectedEntity'), tags(xml, 'name')];
      }),
    );
    expect(byEntity).toEqual({
      OpportunityChangeEvent: [],
      TaskChangeEvent: ['WhatId'],
      EventChangeEvent: ['WhatId'],
      OpportunityContactRoleChangeEvent: ['OpportunityId'],
      [`${COMMITMENT_OBJECT!.replace(/__c$/, '')}__ChangeEvent`]: [
        tag(
          [...fields.values()].find((f) => f.object === COMMITMENT_OBJECT && f.type === 'MasterDetail')!.xml,
          'fullName',
        ),
      ],
    });
  });

  it('ships no filter with a hard-coded user id (the echo filter is an install step)', () => {
    for (const xml of members) expect(xml).not.toMatch(/005[A-Za-z0-9]{12}/);
  });
});

describe('docs', () => {
  it('the README names the deployed channel and both permission sets', () => {
    const doc = readFileSync(join(REPO, 'README.md'), 'utf8');
    for (const s of [
      '/data/Commitment_Scorer__chn',
      'Commitment_Scorer_Integration',
      'Commitment_Scorer_Sales_User',
    ]) {
      expect(doc).toContain(s);
    }
    expect(relative(REPO, MANIFESTS)).toBe('manifests');
  });
});
