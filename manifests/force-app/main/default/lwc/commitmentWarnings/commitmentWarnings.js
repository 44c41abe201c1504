import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import PROBABILITY from '@salesforce/schema/Opportunity.Probability';
import SCORE from '@salesforce/schema/Opportunity.Commitment_Score__c';
import ADJUSTED_PROBABILITY from '@salesforce/schema/Opportunity.Commitment_Adjusted_Probability__c';
import FLAGS from '@salesforce/schema/Opportunity.Commitment_Flags__c';
import WARNINGS from '@salesforce/schema/Opportunity.Commitment_Warnings__c';
import SCORED_AT from '@salesforce/schema/Opportunity.Commitment_Scored_At__c';
import RULES_VERSION from '@salesforce/schema/Opportunity.Commitment_Rules_Version__c';
import CALIBRATION from '@salesforce/schema/Opportunity.Commitment_Calibration__c';
import { FLAG_SEVERITIES } from './flagSeverities';

// Most severe first; the badge class gives each severity its colour.
const SEVERITY_ORDER = ['critical', 'warning', 'info'];
const BADGE_CLASS = {
  critical: 'slds-theme_error',
  warning: 'slds-theme_warning',
  info: 'slds-theme_info',
};
// A flag the default rulebook does not know (a customised rulebook) is shown as a warning.
const UNKNOWN_SEVERITY = 'warning';

// Our fields are optional so that a user without field access sees "not scored" rather than an error.
const OPTIONAL_FIELDS = [SCORE, ADJUSTED_PROBABILITY, FLAGS, WARNINGS, SCORED_AT, RULES_VERSION, CALIBRATION];

function isBlank(value) {
  return value === undefined || value === null || value === '';
}

export default class CommitmentWarnings extends LightningElement {
  @api recordId;

  record;
  error;

  @wire(getRecord, { recordId: '$recordId', fields: [PROBABILITY], optionalFields: OPTIONAL_FIELDS })
  wiredRecord({ data, error }) {
    this.record = data;
    this.error = error;
  }

  get loaded() {
    return Boolean(this.record) && !this.error;
  }

  get hasError() {
    return Boolean(this.error);
  }

  get errorMessage() {
    const body = this.error && this.error.body;
    if (Array.isArray(body)) return body.map((e) => e.message).join(', ');
    return (body && body.message) || 'The commitment data could not be loaded.';
  }

  value(field) {
    return this.record ? getFieldValue(this.record, field) : undefined;
  }

  get isScored() {
    return !isBlank(this.value(SCORED_AT)) || !isBlank(this.value(SCORE));
  }

  get notScored() {
    return this.loaded && !this.isScored;
  }

  get showDetails() {
    return this.loaded && this.isScored;
  }

  get flags() {
    const raw = this.value(FLAGS);
    if (isBlank(raw)) return [];
    return String(raw)
      .split(';')
      .map((code) => code.trim())
      .filter((code) => code !== '')
      .map((code) => {
        const severity = FLAG_SEVERITIES[code] || UNKNOWN_SEVERITY;
        return {
          code,
          label: code.replace(/_/g, ' '),
          severity,
          badgeClass: `${BADGE_CLASS[severity]} flag flag-${severity}`,
          rank: SEVERITY_ORDER.indexOf(severity),
        };
      })
      .sort((a, b) => a.rank - b.rank);
  }

  get hasFlags() {
    return this.flags.length > 0;
  }

  get noFlags() {
    return !this.hasFlags;
  }

  get sentences() {
    const raw = this.value(WARNINGS);
    if (isBlank(raw)) return [];
    return String(raw)
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .map((text, index) => ({ key: `w${index}`, text }));
  }

  get hasSentences() {
    return this.sentences.length > 0;
  }

  get score() {
    const score = this.value(SCORE);
    return isBlank(score) ? '–' : String(score);
  }

  get stageProbability() {
    const p = this.value(PROBABILITY);
    return isBlank(p) ? '–' : `${Math.round(Number(p))}%`;
  }

  get adjustedProbability() {
    const p = this.value(ADJUSTED_PROBABILITY);
    return isBlank(p) ? '–' : `${Math.round(Number(p))}%`;
  }

  get probabilityGap() {
    const stage = this.value(PROBABILITY);
    const adjusted = this.value(ADJUSTED_PROBABILITY);
    if (isBlank(stage) || isBlank(adjusted)) return '';
    const gap = Math.round(Number(adjusted) - Number(stage));
    if (gap === 0) return 'same as the stage';
    return gap < 0 ? `${-gap} points below the stage` : `${gap} points above the stage`;
  }

  get scoredAt() {
    return this.value(SCORED_AT);
  }

  // The service writes one line per rulebook ("calibrated on 412 closed deals: Brier 0.16 vs 0.21 for
  // stage probability", or "rules only, not yet calibrated"): the component cannot call the service.
  get calibration() {
    const v = this.value(CALIBRATION);
    return isBlank(v) ? '' : String(v);
  }

  get hasCalibration() {
    return this.calibration !== '';
  }

  get rulesVersion() {
    const v = this.value(RULES_VERSION);
    return isBlank(v) ? '–' : v;
  }
}
