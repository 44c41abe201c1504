import { createElement } from 'lwc';
import CommitmentWarnings from 'c/commitmentWarnings';
import { getRecord } from 'lightning/uiRecordApi';
import { FLAG_SEVERITIES } from 'c/commitmentWarnings/flagSeverities';

function record(fields) {
  const out = { apiName: 'Opportunity', id: '006000000000001AAA', fields: {} };
  for (const [name, value] of Object.entries(fields)) out.fields[name] = { value, displayValue: null };
  return out;
}

const SCORED = record({
  Probability: 70,
  Commitment_Score__c: 32,
  Commitment_Adjusted_Probability__c: 41,
  Commitment_Flags__c: 'NO_MUTUAL_PLAN;NO_REASON_TO_ACT;ONE_SIDED_EFFORT',
  Commitment_Warnings__c:
    '9 seller actions against 1 customer yeses in the last 30 days: the seller is doing the work alone.\n' +
    'At Proposal/Price Quote with no compelling event and no cost of delay: nothing tells the customer to decide now.\n\n' +
    'At Proposal/Price Quote with no step the customer owns: there is no mutual plan.\n',
  Commitment_Scored_At__c: '2026-11-20T09:15:00.000Z',
  Commitment_Rules_Version__c: 'default@3f2a9c1',
  Commitment_Calibration__c: 'calibrated on 412 closed deals: Brier 0.16 vs 0.21 for stage probability',
});

function mount() {
  const element = createElement('c-commitment-warnings', { is: CommitmentWarnings });
  element.recordId = '006000000000001AAA';
  document.body.appendChild(element);
  return element;
}

const flush = () => Promise.resolve();
const text = (element, selector) => element.shadowRoot.querySelector(selector)?.textContent.trim();

describe('c-commitment-warnings', () => {
  afterEach(() => {
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    jest.clearAllMocks();
  });

  it('asks getRecord for the stage probability and every output field it shows', async () => {
    mount();
    await flush();
    const config = getRecord.getLastConfig();
    expect(config.recordId).toBe('006000000000001AAA');
    const fields = [...config.fields, ...config.optionalFields].map(
      (f) => `${f.objectApiName}.${f.fieldApiName}`,
    );
    expect(fields.sort()).toEqual(
      [
        'Opportunity.Probability',
        'Opportunity.Commitment_Score__c',
        'Opportunity.Commitment_Adjusted_Probability__c',
        'Opportunity.Commitment_Flags__c',
        'Opportunity.Commitment_Warnings__c',
        'Opportunity.Commitment_Scored_At__c',
        'Opportunity.Commitment_Rules_Version__c',
        'Opportunity.Commitment_Calibration__c',
      ].sort(),
    );
  });

  it('shows flags as badges ordered by severity, with a class per severity', async () => {
    const element = mount();
    getRecord.emit(SCORED);
    await flush();
    const badges = [...element.shadowRoot.querySelectorAll('lightning-badge')];
    expect(badges.map((b) => b.dataset.code)).toEqual([
      'ONE_SIDED_EFFORT',
      'NO_REASON_TO_ACT',
      'NO_MUTUAL_PLAN',
    ]);
    expect(badges.map((b) => b.dataset.severity)).toEqual(['critical', 'warning', 'info']);
    expect(badges[0].label).toBe('ONE SIDED EFFORT');
    expect(badges[0].className).toContain('slds-theme_error');
    expect(badges[1].className).toContain('slds-theme_warning');
    expect(badges[2].className).toContain('slds-theme_info');
    expect(element.shadowRoot.querySelector('.no-flags')).toBeNull();
  });

  it('shows one sentence per non-empty line of the warnings field', async () => {
    const element = mount();
    getRecord.emit(SCORED);
    await flush();
    const sentences = [...element.shadowRoot.querySelectorAll('li.sentence')].map((li) => li.textContent);
    expect(sentences).toHaveLength(3);
    expect(sentences[0]).toMatch(/^9 seller actions/);
    expect(sentences[2]).toMatch(/no mutual plan\.$/);
  });

  it('shows the score, stage vs adjusted probability, scored time and rules version', async () => {
    const element = mount();
    getRecord.emit(SCORED);
    await flush();
    expect(text(element, '.score')).toBe('32');
    expect(text(element, '.stage-probability')).toBe('70%');
    expect(text(element, '.adjusted-probability')).toBe('41%');
    expect(text(element, '.gap')).toBe('29 points below the stage');
    expect(element.shadowRoot.querySelector('lightning-formatted-date-time.scored-at').value).toBe(
      '2026-11-20T09:15:00.000Z',
    );
    expect(text(element, '.rules-version')).toBe('default@3f2a9c1');
  });

  it('shows the calibration line the service wrote, and no line when the field is empty', async () => {
    const element = mount();
    getRecord.emit(SCORED);
    await flush();
    expect(text(element, '.calibration')).toBe(
      'Adjusted probability: calibrated on 412 closed deals: Brier 0.16 vs 0.21 for stage probability',
    );
    getRecord.emit(
      record({
        ...Object.fromEntries(Object.entries(SCORED.fields).map(([k, v]) => [k, v.value])),
        Commitment_Calibration__c: null,
      }),
    );
    await flush();
    expect(element.shadowRoot.querySelector('.calibration')).toBeNull();
    getRecord.emit(
      record({
        Probability: 70,
        Commitment_Score__c: 50,
        Commitment_Calibration__c: 'rules only, not yet calibrated',
      }),
    );
    await flush();
    expect(text(element, '.calibration')).toBe('Adjusted probability: rules only, not yet calibrated');
  });

  it('says so when a scored deal has no warnings, and treats an unknown flag as a warning', async () => {
    const element = mount();
    getRecord.emit(
      record({
        Probability: 50,
        Commitment_Score__c: 88,
        Commitment_Adjusted_Probability__c: 50,
        Commitment_Flags__c: null,
        Commitment_Warnings__c: null,
        Commitment_Scored_At__c: '2026-11-20T09:15:00.000Z',
        Commitment_Rules_Version__c: 'default',
      }),
    );
    await flush();
    expect(element.shadowRoot.querySelectorAll('lightning-badge')).toHaveLength(0);
    expect(text(element, '.no-flags')).toMatch(/No warnings/);
    expect(text(element, '.gap')).toBe('same as the stage');

    getRecord.emit(
      record({ Probability: 50, Commitment_Score__c: 40, Commitment_Flags__c: 'SOMETHING_NEW' }),
    );
    await flush();
    expect(element.shadowRoot.querySelector('lightning-badge').dataset.severity).toBe('warning');
  });

  it('shows a not-scored message before the service has scored the deal', async () => {
    const element = mount();
    getRecord.emit(record({ Probability: 20 }));
    await flush();
    expect(element.shadowRoot.querySelector('.not-scored')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.score')).toBeNull();
  });

  it('shows the error when the record cannot be loaded', async () => {
    const element = mount();
    getRecord.error({ message: 'You do not have access' });
    await flush();
    expect(element.shadowRoot.querySelector('.error')).not.toBeNull();
    expect(element.shadowRoot.querySelector('.score')).toBeNull();
  });

  it('knows a severity for every flag code, and only valid severities', () => {
    expect(Object.keys(FLAG_SEVERITIES).length).toBeGreaterThan(0);
    for (const severity of Object.values(FLAG_SEVERITIES)) {
      expect(['critical', 'warning', 'info']).toContain(severity);
    }
  });
});
