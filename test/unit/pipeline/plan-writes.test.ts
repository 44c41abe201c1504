import { loadRulebookFile } from '../../../src/rules/load-rulebook';
import { planWrites } from '../../../src/pipeline/plan-writes';
import { scoreSnapshot } from '../../../src/scoring';
import oneSided from '../../../scripts/examples/one-sided-deal.json';

const rulebook = loadRulebookFile();
const outputs = rulebook.fields.outputs;
const result = scoreSnapshot(oneSided, rulebook, Date.parse('2026-11-20T12:00:00Z'));
const id = result.opportunityId as string;

describe('the write planner', () => {
  it('writes every output field of a deal never scored before', () => {
    const [update] = planWrites([result], new Map([[id, {}]]), outputs);
    expect(update).toEqual({ Id: id, ...result.fields });
  });

  it('writes nothing when the org already holds the same values, whatever the scored-at stamp', () => {
    const stored = { ...result.fields, [outputs.scoredAt]: '2026-11-01T00:00:00.000Z' };
    expect(planWrites([result], new Map([[id, stored]]), outputs)).toEqual([]);
  });

  it('treats multi-select values in another order and CRLF line ends as equal', () => {
    const flags = String(result.fields[outputs.flags]).split(';').reverse().join(';');
    const warnings = String(result.fields[outputs.warnings]).replace(/\n/g, '\r\n');
    const stored = { ...result.fields, [outputs.flags]: flags, [outputs.warnings]: warnings };
    expect(planWrites([result], new Map([[id, stored]]), outputs)).toEqual([]);
  });

  it('sends only the fields that changed, with the scored-at stamp', () => {
    const stored = { ...result.fields, [outputs.score]: Number(result.fields[outputs.score]) + 40 };
    expect(planWrites([result], new Map([[id, stored]]), outputs)).toEqual([
      {
        Id: id,
        [outputs.score]: result.fields[outputs.score],
        [outputs.scoredAt]: result.fields[outputs.scoredAt],
      },
    ]);
  });

  it('clears a field that should now be empty', () => {
    const healthy = { ...result, fields: { ...result.fields, [outputs.flags]: null } };
    const [update] = planWrites([healthy], new Map([[id, result.fields]]), outputs);
    expect(update[outputs.flags]).toBeNull();
  });

  it('never writes the stage or the standard probability', () => {
    const [update] = planWrites([result], new Map([[id, {}]]), outputs);
    expect(Object.keys(update)).not.toContain('StageName');
    expect(Object.keys(update)).not.toContain('Probability');
  });

  describe('steps: a number is written when it moved far enough to be noticed', () => {
    const stored = (field: string, delta: number) => ({
      ...result.fields,
      [field]: Number(result.fields[field]) + delta,
    });
    const planned = (s: Record<string, unknown>) => planWrites([result], new Map([[id, s]]), outputs);

    it.each([
      ['adjusted probability', outputs.adjustedProbability, 1, 0.5],
      ['score', outputs.score, 5, 4],
      ['balance', outputs.balance, 0.1, 0.09],
    ])('%s: a move of one step is written, a smaller one is not', (_name, field, step, small) => {
      expect(planned(stored(field, small))).toEqual([]);
      const [update] = planned(stored(field, step));
      expect(update).toEqual({
        Id: id,
        [field]: result.fields[field],
        [outputs.scoredAt]: result.fields[outputs.scoredAt],
      });
    });

    it('a small move rides along when something a person sees changed', () => {
      const s = { ...stored(outputs.score, 2), [outputs.warnings]: 'an older sentence' };
      const [update] = planned(s);
      expect(update).toMatchObject({
        [outputs.score]: result.fields[outputs.score],
        [outputs.warnings]: result.fields[outputs.warnings],
      });
    });

    it('a value appearing or disappearing is a change whatever the step', () => {
      expect(planned({ ...result.fields, [outputs.balance]: null })).toHaveLength(
        result.fields[outputs.balance] === null ? 0 : 1,
      );
      expect(planned({ ...result.fields, [outputs.score]: null })).toHaveLength(1);
    });

    it('takes other steps from the rulebook', () => {
      const s = stored(outputs.score, 2);
      expect(
        planWrites([result], new Map([[id, s]]), outputs, { adjustedProbability: 1, score: 2, balance: 0.1 }),
      ).toHaveLength(1);
    });
  });
});
