import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import {
  checkAgainstOrg,
  restrictToOrg,
  type DescribedField,
  type DescribedObject,
  type OrgDescription,
} from '../../../src/rules/org-check';
import { opportunityFields } from '../../../src/salesforce/snapshot-fields';
import { describeObject } from '../../../src/sandbox/describe';
import { OrgShape, type OrgShapeOptions } from '../../../src/sandbox/org-shape';
import { OBJECTS } from '../../../src/sandbox/schema';

/** The org as the sandbox describes it, shaped like an org that differs; the same answer a real describe gives. */
function org(
  shape: OrgShapeOptions = {},
  edit?: (o: Map<string, DescribedObject | null>) => void,
): OrgDescription {
  const out: OrgDescription = new Map();
  for (const name of ['Opportunity', 'Buying_Commitment__c']) {
    const d = describeObject(OBJECTS[name]!, '62.0', new OrgShape(shape));
    out.set(name, {
      name,
      fields: new Map(
        d.fields.map((f): [string, DescribedField] => [
          f.name.toLowerCase(),
          {
            name: f.name,
            type: f.type,
            length: f.length,
            updateable: f.updateable,
            restrictedPicklist: f.restrictedPicklist,
            picklistValues: f.picklistValues.map((v) => v.value),
          },
        ]),
      ),
      childRelationships: new Set(d.childRelationships.map((c) => c.relationshipName.toLowerCase())),
    });
  }
  edit?.(out);
  return out;
}

const rulebook = loadRulebookFile();

describe('the rulebook held against the org', () => {
  it('finds nothing to say about the org manifests/ deploys', () => {
    expect(checkAgainstOrg(rulebook, org())).toEqual({ problems: [], switchedOff: [] });
  });

  it('switches off the flags of a missing input, and the loader stops selecting the field', () => {
    const check = checkAgainstOrg(rulebook, org({ dropFields: ['Opportunity.Compelling_Event__c'] }));
    expect(check.problems).toEqual([]);
    expect(check.switchedOff).toEqual([
      expect.objectContaining({
        field: 'Compelling_Event__c',
        flags: expect.arrayContaining([
          'NO_REASON_TO_ACT',
          'SELLER_DRIVEN_CLOSE_DATE',
          'DISCOUNT_TO_ACCELERATE',
        ]),
      }),
    ]);
    const fitted = restrictToOrg(rulebook, check);
    expect(fitted.flags.map((f) => f.code)).not.toContain('NO_REASON_TO_ACT');
    expect(fitted.flags.length).toBe(rulebook.flags.length - check.switchedOff[0]!.flags.length);
    expect(opportunityFields(fitted.fields)).not.toContain('Compelling_Event__c');
    expect(opportunityFields(rulebook.fields)).toContain('Compelling_Event__c');
  });

  it('refuses an input of the wrong type, a short output, and a yes-ledger object that is not there', () => {
    const check = checkAgainstOrg(
      rulebook,
      org({}, (o) => {
        const opp = o.get('Opportunity')!;
        opp.fields.set('customer_decision_date__c', {
          ...opp.fields.get('customer_decision_date__c')!,
          type: 'string',
        });
        opp.fields.set('commitment_rules_version__c', {
          ...opp.fields.get('commitment_rules_version__c')!,
          length: 20,
        });
        o.set('Buying_Commitment__c', null);
      }),
    );
    expect(check.problems.map((p) => p.target)).toEqual([
      'Opportunity.Commitment_Rules_Version__c',
      'Opportunity.Customer_Decision_Date__c',
      'Buying_Commitment__c',
    ]);
    expect(check.problems[0]!.problem).toContain('holds 20 characters');
    expect(check.problems[1]!.fix).toContain('fields.inputs.customerDecisionDate');
  });

  it('checks a remapped output under its new name', () => {
    const remapped = loadRulebookFile();
    (remapped.source.fields.outputs as Record<string, string>).score = 'Deal_Score__c';
    const check = checkAgainstOrg(remapped, org());
    expect(check.problems).toEqual([
      expect.objectContaining({
        target: 'Opportunity.Deal_Score__c',
        problem: expect.stringContaining('does not exist'),
      }),
    ]);
  });
});
