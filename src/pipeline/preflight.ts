import type { Connection } from 'jsforce';
import { ScorerError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { Rulebook } from '../rules/load-rulebook';
import {
  checkAgainstOrg,
  describeSwitchedOff,
  formatOrgProblems,
  objectsToDescribe,
  restrictToOrg,
  type OrgDescription,
} from '../rules/org-check';
import { describeOrg } from '../salesforce/describe-org';

/**
 * Before the first deal is read: does the org have what the rulebook maps? Two describe calls
 * (Opportunity and the yes-ledger object); the answer is kept, so a rules reload is checked again
 * without calling the org. A problem that would fail every write stops start-up with one message;
 * a missing input switches off what needs it, said once here.
 */
export async function describeForRulebook(conn: Connection, rulebook: Rulebook): Promise<OrgDescription> {
  return describeOrg(conn, objectsToDescribe(rulebook.source.fields));
}

/** The rulebook as it runs on this org; throws ORG_SHAPE_INVALID listing every problem and its fix. */
export function fitToOrg(rulebook: Rulebook, org: OrgDescription, logger?: Logger): Rulebook {
  const check = checkAgainstOrg(rulebook, org);
  if (check.problems.length > 0) {
    throw new ScorerError('ORG_SHAPE_INVALID', formatOrgProblems(check.problems), {
      context: { problems: check.problems },
    });
  }
  for (const off of check.switchedOff)
    logger?.warn({ field: off.field, flagsOff: off.flags }, describeSwitchedOff(off));
  return restrictToOrg(rulebook, check);
}

export async function preflight(conn: Connection, rulebook: Rulebook, logger?: Logger) {
  const org = await describeForRulebook(conn, rulebook);
  return { org, rulebook: fitToOrg(rulebook, org, logger) };
}
