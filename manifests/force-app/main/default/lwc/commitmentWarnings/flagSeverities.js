// Generated from the rulebook by `commitment-scorer manifests --rules FILE`
// (or manifests/scripts/generate-flag-severities.js for the default rulebook). Do not edit by hand.
export const FLAG_SEVERITIES = Object.freeze({
  ONE_SIDED_EFFORT: 'critical',
  NO_RECENT_CUSTOMER_YES: 'warning',
  NO_REASON_TO_ACT: 'warning',
  SELLER_DRIVEN_CLOSE_DATE: 'warning',
  CLOSE_DATE_SLIPPING: 'warning',
  SINGLE_THREADED: 'warning',
  NO_DECISION_MAKER: 'warning',
  NO_MUTUAL_PLAN: 'info',
  CUSTOMER_STEPS_OVERDUE: 'warning',
  NOT_STRATEGICALLY_ALIGNED: 'info',
  STAGE_AHEAD_OF_COMMITMENT: 'warning',
  DISCOUNT_TO_ACCELERATE: 'warning',
});
