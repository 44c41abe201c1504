import type { Rulebook } from './load-rulebook';
import type { ActiveFieldMap, FieldMap } from './schema';
import type { SignalName } from './signal-catalogue';

/**
 * The rulebook held against the org it will run on (the org's describe answers, see
 * salesforce/describe-org.ts). Pure: no I/O. An output field that is missing, of the wrong type, too
 * short or not editable, a flag code the picklist lacks, or a broken yes-ledger mapping would make
 * every write fail: those are problems, each with its fix, and the service does not start. A missing
 * input field is not: the signals that read it are switched off, and with them every flag that names
 * one of those signals; the rest scores as usual.
 */

export interface DescribedField {
  name: string;
  type: string;
  length: number;
  updateable: boolean;
  restrictedPicklist: boolean;
  picklistValues: string[];
}

export interface DescribedObject {
  name: string;
  /** Keyed by the lower-cased API name: Salesforce names are case-insensitive. */
  fields: Map<string, DescribedField>;
  childRelationships: Set<string>;
}

/** Object name → its description, or null when the org has no such object (or the user cannot see it). */
export type OrgDescription = Map<string, DescribedObject | null>;

export interface OrgProblem {
  /** `Object.Field` (or the object) the problem is about. */
  target: string;
  problem: string;
  fix: string;
}

export type InputKey = keyof FieldMap['inputs'];

export interface SwitchedOff {
  input: InputKey;
  field: string;
  signals: SignalName[];
  flags: string[];
}

export interface OrgCheck {
  problems: OrgProblem[];
  switchedOff: SwitchedOff[];
}

/** The signals that cannot be computed without each reason-to-act input. */
export const SIGNALS_OF_INPUT: Record<InputKey, SignalName[]> = {
  compellingEvent: ['hasCompellingEvent', 'hasReasonToAct'],
  costOfDelay: ['hasCostOfDelay', 'costOfDelay', 'hasReasonToAct'],
  customerDecisionDate: ['hasCustomerDecisionDate', 'closeDateMatchesDecisionDate'],
  strategicInitiative: ['hasStrategicInitiative'],
  discountPercent: ['discountPercent'],
};

type TypeRule = { types: string[]; label: string; minLength?: number };

const OUTPUT_TYPES: Record<keyof FieldMap['outputs'], TypeRule> = {
  score: { types: ['double', 'int'], label: 'Number(3,0)' },
  adjustedProbability: { types: ['percent', 'double'], label: 'Percent(3,0)' },
  flags: { types: ['multipicklist'], label: 'a restricted multi-select picklist' },
  warnings: { types: ['textarea'], label: 'Long Text Area(32768)', minLength: 32_768 },
  balance: { types: ['double'], label: 'Number(5,2)' },
  lastCustomerYesDate: { types: ['date'], label: 'Date' },
  scoredAt: { types: ['datetime'], label: 'Date/Time' },
  rulesVersion: { types: ['string'], label: 'Text(40)', minLength: 40 },
  calibration: { types: ['string'], label: 'Text(255)', minLength: 255 },
};

const INPUT_TYPES: Record<InputKey, TypeRule> = {
  compellingEvent: { types: ['textarea', 'string'], label: 'a text field' },
  costOfDelay: { types: ['currency', 'double', 'int'], label: 'Currency' },
  customerDecisionDate: { types: ['date'], label: 'Date' },
  strategicInitiative: { types: ['string', 'textarea', 'picklist'], label: 'a text field' },
  discountPercent: { types: ['percent', 'double', 'int'], label: 'Percent' },
};

const COMMITMENT_TYPES: Record<string, TypeRule & { values?: string[] }> = {
  opportunity: { types: ['reference'], label: 'a master-detail to Opportunity' },
  type: { types: ['picklist', 'string'], label: 'Picklist' },
  ownerSide: { types: ['picklist'], label: 'Picklist', values: ['Customer', 'Seller'] },
  status: { types: ['picklist'], label: 'Picklist', values: ['Requested', 'Given', 'Declined', 'Done'] },
  dueDate: { types: ['date'], label: 'Date' },
  completedDate: { types: ['date'], label: 'Date' },
  contact: { types: ['reference'], label: 'a lookup to Contact' },
};

const DEPLOY = 'deploy manifests/ (sf project deploy start, see manifests/README.md)';
const MAP_IT = 'or map the field the org uses under `fields` in the rulebook';
const GRANT = 'assign the Commitment_Scorer_Integration permission set to the integration user';

/** The objects a rulebook needs described. */
export function objectsToDescribe(fields: Pick<FieldMap, 'commitment'>): string[] {
  return ['Opportunity', fields.commitment.object];
}

export function checkAgainstOrg(rulebook: Rulebook, org: OrgDescription): OrgCheck {
  const fields = rulebook.source.fields;
  const problems: OrgProblem[] = [];
  const opp = org.get('Opportunity') ?? null;
  if (opp === null) {
    problems.push({ target: 'Opportunity', problem: 'is not visible to the integration user', fix: GRANT });
    return { problems, switchedOff: [] };
  }
  for (const [key, name] of Object.entries(fields.outputs) as [
    keyof FieldMap['outputs'],
    string | undefined,
  ][]) {
    if (name === undefined) continue; // an optional output the rulebook does not map is not written
    const target = `Opportunity.${name}`;
    const f = opp.fields.get(name.toLowerCase());
    if (!f) {
      problems.push({
        target,
        problem: `(output ${key}) does not exist or is not visible`,
        fix: `${DEPLOY}, ${MAP_IT}`,
      });
      continue;
    }
    const typeProblem = checkType(f, OUTPUT_TYPES[key]);
    if (typeProblem)
      problems.push({
        target,
        problem: `(output ${key}) ${typeProblem}`,
        fix: `change it to ${OUTPUT_TYPES[key].label} as manifests/ deploys it, ${MAP_IT}`,
      });
    else if (!f.updateable)
      problems.push({ target, problem: `(output ${key}) is read-only for the integration user`, fix: GRANT });
  }
  problems.push(...checkFlagValues(rulebook, opp.fields.get(fields.outputs.flags.toLowerCase())));

  const switchedOff: SwitchedOff[] = [];
  for (const [key, name] of Object.entries(fields.inputs) as [InputKey, string][]) {
    const f = opp.fields.get(name.toLowerCase());
    if (!f) {
      const signals = SIGNALS_OF_INPUT[key];
      const flags = rulebook.flags
        .filter((fl) => fl.evidenceSignals.some((s) => signals.includes(s)))
        .map((fl) => fl.code);
      switchedOff.push({ input: key, field: name, signals, flags });
      continue;
    }
    const typeProblem = checkType(f, INPUT_TYPES[key]);
    if (typeProblem)
      problems.push({
        target: `Opportunity.${name}`,
        problem: `(input ${key}) ${typeProblem}`,
        fix: `map an Opportunity field of type ${INPUT_TYPES[key].label} under fields.inputs.${key}`,
      });
  }
  problems.push(...checkCommitments(fields.commitment, opp, org.get(fields.commitment.object) ?? null));
  return { problems, switchedOff };
}

function checkType(f: DescribedField, rule: TypeRule): string | undefined {
  if (!rule.types.includes(f.type)) return `is of type ${f.type}, not ${rule.label}`;
  if (rule.minLength !== undefined && f.length < rule.minLength)
    return `holds ${f.length} characters, fewer than the ${rule.minLength} the service may write`;
  return undefined;
}

function checkFlagValues(rulebook: Rulebook, f: DescribedField | undefined): OrgProblem[] {
  if (!f || f.type !== 'multipicklist' || !f.restrictedPicklist) return [];
  const have = new Set(f.picklistValues);
  const target = `Opportunity.${f.name}`;
  return rulebook.flags
    .filter((flag) => !have.has(flag.code))
    .map((flag) => ({
      target,
      problem: `lacks the flag code ${flag.code}, so every deal carrying it would be refused`,
      fix: `run \`commitment-scorer manifests --rules FILE\` and deploy manifests/, or add the value ${flag.code} to the picklist in Setup`,
    }));
}

function checkCommitments(
  map: FieldMap['commitment'],
  opp: DescribedObject,
  obj: DescribedObject | null,
): OrgProblem[] {
  if (obj === null)
    return [
      {
        target: map.object,
        problem: 'does not exist or is not visible to the integration user',
        fix: `${DEPLOY}, ${MAP_IT.replace('field', 'object')}`,
      },
    ];
  const problems: OrgProblem[] = [];
  if (!opp.childRelationships.has(map.relationship.toLowerCase()))
    problems.push({
      target: `Opportunity.${map.relationship}`,
      problem: 'is not a child relationship of Opportunity',
      fix: `set fields.commitment.relationship to the relationship name of ${map.object}.${map.opportunity}`,
    });
  for (const [key, rule] of Object.entries(COMMITMENT_TYPES)) {
    const name = map[key as keyof typeof map];
    const target = `${map.object}.${name}`;
    const f = obj.fields.get(name.toLowerCase());
    if (!f) {
      problems.push({
        target,
        problem: `(commitment ${key}) does not exist or is not visible`,
        fix: `${DEPLOY}, ${MAP_IT}`,
      });
      continue;
    }
    const typeProblem = checkType(f, rule);
    if (typeProblem)
      problems.push({
        target,
        problem: `(commitment ${key}) ${typeProblem}`,
        fix: `map a field of type ${rule.label} under fields.commitment.${key}`,
      });
    const missing = (rule.values ?? []).filter((v) => !f.picklistValues.includes(v));
    if (missing.length > 0)
      problems.push({
        target,
        problem: `(commitment ${key}) lacks the values ${missing.join(', ')}`,
        fix: `add them to the picklist, or ${DEPLOY}`,
      });
  }
  return problems;
}

/** The rulebook as it runs on this org: flags that need a missing input removed, that input not read. */
export function restrictToOrg(rulebook: Rulebook, check: OrgCheck): Rulebook {
  if (check.switchedOff.length === 0) return rulebook;
  const off = new Set(check.switchedOff.flatMap((s) => s.flags));
  const inputs: ActiveFieldMap['inputs'] = { ...rulebook.fields.inputs };
  for (const s of check.switchedOff) delete inputs[s.input];
  return {
    ...rulebook,
    flags: rulebook.flags.filter((f) => !off.has(f.code)),
    fields: { ...rulebook.fields, inputs },
    switchedOff: check.switchedOff,
  };
}

/** One message listing every problem with its fix, for the start-up failure and `rules check --org`. */
export function formatOrgProblems(problems: OrgProblem[]): string {
  const lines = problems.map((p) => `  - ${p.target} ${p.problem}: ${p.fix}`);
  return `The org does not fit the rulebook (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

/** "Discount_Percent__c is not on Opportunity…: DISCOUNT_TO_ACCELERATE is off". */
export function describeSwitchedOff(s: SwitchedOff): string {
  const flags =
    s.flags.length === 0
      ? 'no flag needs it'
      : `${s.flags.join(', ')} ${s.flags.length === 1 ? 'is' : 'are'} off`;
  return `Opportunity.${s.field} (input ${s.input}) does not exist or is not visible to the integration user: ${flags}, and the signals ${s.signals.join(', ')} read as absent`;
}
