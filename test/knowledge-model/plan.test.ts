import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextTokenizer } from '../../engine/index.js';
import { writeGpt2Tokenizer } from '../../scripts/lib/gpt2-tokenizer.js';
import type { RelationSpec } from '../../scripts/knowledge-model/facts.js';
import { FactPlanError, planFacts } from '../../scripts/knowledge-model/plan.js';

let dir: string;
let tokenizer: TextTokenizer;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'km-plan-'));
  writeGpt2Tokenizer(dir);
  tokenizer = TextTokenizer.fromFile(join(dir, 'tokenizer.json'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const relation = (over: Partial<RelationSpec>): RelationSpec => ({
  id: 'capital', code: 'capital', type: 'capital', group: 'geo', keywords: [' capital'],
  templates: ['The capital of {s} is', 'The capital city of {s} is'], facts: [['France', ' Paris']], ...over,
});

describe('planFacts', () => {
  it('plans the shipped facts: subjects by last token, one keyword and one subject per prompt', () => {
    const plan = planFacts(tokenizer);
    expect(plan.facts.length).toBeGreaterThanOrEqual(180);
    const p = plan.prompts.find((x) => x.text === 'The official language of the Netherlands is')!;
    expect(tokenizer.decode([p.ids[p.subjectPos]])).toBe(' Netherlands');
    expect(tokenizer.decode([p.ids[p.keywordPos]])).toBe(' language');
    const france = plan.subjects.filter((s) => s.text === 'France');
    expect(france).toHaveLength(1); // shared by the language and capital facts
  });

  it.each([
    ['a multi-token answer', [relation({ facts: [['France', ' Parisville']] })], /answer " Parisville" must be one token/],
    ['two subjects ending in the same token', [relation({ facts: [['France', ' Paris'], ['South France', ' Lyon']] })], /end in the same token/],
    ['a template without its keyword', [relation({ templates: ['The seat of {s} is'] })], /expected exactly one keyword of capital/],
    ['a keyword that is also a subject', [relation({ facts: [['capital', ' Paris']] })], /both a keyword and a subject/],
  ])('EXPECTED FAILURE: %s', (_what, relations, message) => {
    expect(() => planFacts(tokenizer, relations)).toThrow(FactPlanError);
    expect(() => planFacts(tokenizer, relations)).toThrow(message);
  });
});
