import { z } from 'zod';

/**
 * The rulebook's shape. Strict everywhere: an unknown key is a typo until proven otherwise.
 * Meaning (signals, stages, thresholds) is checked after the shape, in `check-rulebook.ts`.
 */

const apiName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be a Salesforce API name');
const positiveDays = z.number().int().min(1).max(3650);

/** The names manifests/ deploys; an org with other names says so in its rulebook's `fields`. */
export const DEFAULT_FIELDS = {
  outputs: {
    score: 'Commitment_Score__c',
    adjustedProbability: 'Commitment_Adjusted_Probability__c',
    flags: 'Commitment_Flags__c',
    warnings: 'Commitment_Warnings__c',
    balance: 'Commitment_Balance__c',
    lastCustomerYesDate: 'Last_Customer_Yes_Date__c',
    scoredAt: 'Commitment_Scored_At__c',
    rulesVersion: 'Commitment_Rules_Version__c',
    calibration: 'Commitment_Calibration__c',
  },
  inputs: {
    compellingEvent: 'Compelling_Event__c',
    costOfDelay: 'Cost_Of_Delay__c',
    customerDecisionDate: 'Customer_Decision_Date__c',
    strategicInitiative: 'Strategic_Initiative__c',
    discountPercent: 'Discount_Percent__c',
  },
  commitment: {
    object: 'Buying_Commitment__c',
    relationship: 'Buying_Commitments__r',
    opportunity: 'Opportunity__c',
    type: 'Type__c',
    ownerSide: 'Owner_Side__c',
    status: 'Status__c',
    dueDate: 'Due_Date__c',
    completedDate: 'Completed_Date__c',
    contact: 'Contact__c',
  },
};

export const comparisonOps = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'] as const;
export const stageOps = ['atLeast', 'before'] as const;

const scalar = z.union([z.number(), z.boolean(), z.string()]);

export const leafSchema = z
  .strictObject({
    signal: z.string(),
    eq: scalar.optional(),
    ne: scalar.optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    in: z.array(scalar).min(1).optional(),
    atLeast: z.string().optional(),
    before: z.string().optional(),
  })
  .refine(
    (leaf) => Object.keys(leaf).filter((k) => k !== 'signal').length === 1,
    'a condition names one signal and exactly one operator (eq, ne, lt, lte, gt, gte, in, atLeast, before)',
  );

export type LeafCondition = z.infer<typeof leafSchema>;
export type Condition = LeafCondition | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
    z.strictObject({ not: conditionSchema }),
    leafSchema,
  ]),
);

export const flagSchema = z.strictObject({
  code: z.string().regex(/^[A-Z][A-Z0-9_]{1,39}$/, 'must be UPPER_SNAKE_CASE, at most 40 characters'),
  /** What the picklist shows for the code (Setup, list views, reports); derived from the code when absent. */
  label: z.string().min(1).max(255).optional(),
  severity: z.enum(['info', 'warning', 'critical']),
  weight: z.number().min(-10).max(10),
  cap: z.number().min(0).max(100).optional(),
  when: conditionSchema,
  message: z.string().min(1).max(1000),
});

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const share = z.number().min(0).max(1);

/** What `commitment-scorer calibrate` fitted this rulebook on, and how it did on the newest deals. */
export const calibrationSchema = z.strictObject({
  deals: z.number().int().min(0),
  won: z.number().int().min(0),
  lost: z.number().int().min(0),
  from: isoDate,
  to: isoDate,
  horizonDays: z.number().int().min(0).max(3650),
  base: z.string().min(1),
  heldOut: z.strictObject({
    deals: z.number().int().min(0),
    brier: share,
    brierStage: share,
    brierRecalibratedStage: share,
    brierBase: share,
    auc: share,
    ece: share,
    slope: z.number(),
    /** The proposed rulebook's reliability table on the held-out deals (10 bins); the forecast page draws it. */
    reliability: z
      .array(
        z.strictObject({
          count: z.number().int().min(0),
          meanPredicted: share.nullable(),
          observed: share.nullable(),
        }),
      )
      .max(20)
      .optional(),
  }),
  caps: z.enum(['dropped', 'kept']),
  verdict: z.enum(['adopt', 'keep']),
});

export const rulebookSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,30}$/, 'must be 1-30 letters, digits, ".", "_" or "-"'),
  description: z.string().optional(),
  fiscalYearStartMonth: z.number().int().min(1).max(12).default(1),
  windows: z
    .strictObject({
      effortDays: positiveDays.default(30),
      engagementDays: positiveDays.default(45),
      overdueGraceDays: z.number().int().min(0).max(365).default(7),
      decisionDateToleranceDays: z.number().int().min(0).max(365).default(7),
    })
    .prefault({}),
  stages: z.strictObject({
    order: z.array(z.string().min(1)).min(1),
    won: z.array(z.string().min(1)).min(1),
    lost: z.array(z.string().min(1)).min(1),
  }),
  contacts: z
    .strictObject({
      decisionMakerRoles: z.array(z.string().min(1)).default(['Economic Buyer', 'Decision Maker']),
      sponsorRoles: z.array(z.string().min(1)).default(['Executive Sponsor']),
      sponsorCommitmentTypes: z.array(z.string().min(1)).default(['Executive sponsor named']),
    })
    .prefault({}),
  commitmentScore: z.strictObject({
    weights: z.strictObject({
      yeses: z.number().min(0),
      balance: z.number().min(0),
      recency: z.number().min(0),
      reasonToAct: z.number().min(0),
      access: z.number().min(0),
      plan: z.number().min(0),
    }),
    targets: z.strictObject({
      yeses: z.number().positive(),
      balance: z.number().positive(),
      recencyDays: z.number().positive(),
      contacts: z.number().positive(),
      planSteps: z.number().positive(),
    }),
  }),
  probability: z.strictObject({
    floor: z.number().min(0).max(100),
    ceiling: z.number().min(0).max(100),
    commitmentWeight: z.number().min(0).max(10),
    // logit(adjusted) = alpha + beta·logit(stage probability) + …: 0 and 1 keep the stage's own log-odds.
    alpha: z.number().min(-10).max(10).default(0),
    beta: z.number().min(0).max(5).default(1),
  }),
  calibration: calibrationSchema.optional(),
  flags: z.array(flagSchema),
  /**
   * How far a number must move before it is worth a write (a write bumps LastModifiedDate, fires
   * the org's flows and adds field history). Flags, warnings, the last-yes date and the rules
   * version are written on any change; the scored-at stamp alone never is.
   */
  writeSteps: z
    .strictObject({
      adjustedProbability: z.number().min(0).max(100).default(1),
      score: z.number().min(0).max(100).default(5),
      balance: z.number().min(0).max(10).default(0.1),
    })
    .prefault({}),
  fields: z
    .strictObject({
      outputs: z.strictObject({
        score: apiName,
        adjustedProbability: apiName,
        flags: apiName,
        warnings: apiName,
        balance: apiName,
        lastCustomerYesDate: apiName,
        scoredAt: apiName,
        rulesVersion: apiName,
        // Optional: a rulebook written before calibration existed maps no field, and nothing is written.
        calibration: apiName.optional(),
      }),
      inputs: z.strictObject({
        compellingEvent: apiName,
        costOfDelay: apiName,
        customerDecisionDate: apiName,
        strategicInitiative: apiName,
        discountPercent: apiName,
      }),
      commitment: z.strictObject({
        object: apiName,
        relationship: apiName,
        opportunity: apiName,
        type: apiName,
        ownerSide: apiName,
        status: apiName,
        dueDate: apiName,
        completedDate: apiName,
        contact: apiName,
      }),
    })
    .default(DEFAULT_FIELDS),
});

export type RulebookSource = z.infer<typeof rulebookSchema>;
export type FlagSource = z.infer<typeof flagSchema>;
export type CalibrationSource = z.infer<typeof calibrationSchema>;
export type FieldMap = RulebookSource['fields'];
/** The map as it runs on an org: an input field the org lacks is left out (see org-check.ts). */
export type ActiveFieldMap = Omit<FieldMap, 'inputs'> & { inputs: Partial<FieldMap['inputs']> };
