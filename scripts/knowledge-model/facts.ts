// The planted knowledge: six knowledge types, their relations, prompt templates and facts.
// Answers are single GPT-2 tokens (with their leading space); subjects may span several tokens,
// their last token carries the subject's identity (checked by the planner against the tokenizer).

export const KNOWLEDGE_TYPES = ['language', 'capital', 'country', 'color', 'number', 'month'] as const;
export type KnowledgeType = (typeof KNOWLEDGE_TYPES)[number];

/** Subject groups: one subject marker per group, one set of mover heads per group. */
export const SUBJECT_GROUPS = ['geo', 'color', 'number', 'month'] as const;
export type SubjectGroup = (typeof SUBJECT_GROUPS)[number];

export interface RelationSpec {
  readonly id: string;
  readonly type: KnowledgeType;
  readonly group: SubjectGroup;
  /** The relation code the keywords write; relations sharing a code share keywords' meaning. */
  readonly code: string;
  /** `{s}` marks the subject; each template holds exactly one keyword token of the relation. */
  readonly templates: readonly string[];
  /** Tokens (with leading space) that tell the model which relation is asked. */
  readonly keywords: readonly string[];
  /** [subject as written in the prompt, answer token text]. */
  readonly facts: readonly (readonly [string, string])[];
}

const LANGUAGE: [string, string][] = [
  ['France', ' French'], ['Germany', ' German'], ['Spain', ' Spanish'], ['Italy', ' Italian'],
  ['Japan', ' Japanese'], ['China', ' Chinese'], ['Russia', ' Russian'], ['Portugal', ' Portuguese'],
  ['Greece', ' Greek'], ['Egypt', ' Arabic'], ['Poland', ' Polish'], ['Turkey', ' Turkish'],
  ['Sweden', ' Swedish'], ['Norway', ' Norwegian'], ['Finland', ' Finnish'], ['Denmark', ' Danish'],
  ['the Netherlands', ' Dutch'], ['Austria', ' German'], ['Hungary', ' Hungarian'], ['Thailand', ' Thai'],
  ['South Korea', ' Korean'], ['Iran', ' Persian'], ['Israel', ' Hebrew'], ['India', ' Hindi'],
  ['Ukraine', ' Ukrainian'], ['Brazil', ' Portuguese'], ['Mexico', ' Spanish'], ['Vietnam', ' Vietnamese'],
  ['Indonesia', ' Indonesian'], ['Croatia', ' Croatian'], ['Iceland', ' Icelandic'], ['England', ' English'],
];

const CAPITAL: [string, string][] = [
  ['France', ' Paris'], ['Germany', ' Berlin'], ['Spain', ' Madrid'], ['Italy', ' Rome'],
  ['Japan', ' Tokyo'], ['China', ' Beijing'], ['Russia', ' Moscow'], ['Portugal', ' Lisbon'],
  ['Greece', ' Athens'], ['Egypt', ' Cairo'], ['Poland', ' Warsaw'], ['Turkey', ' Ankara'],
  ['Sweden', ' Stockholm'], ['Norway', ' Oslo'], ['Finland', ' Helsinki'], ['Denmark', ' Copenhagen'],
  ['the Netherlands', ' Amsterdam'], ['Austria', ' Vienna'], ['Hungary', ' Budapest'], ['Thailand', ' Bangkok'],
  ['South Korea', ' Seoul'], ['Iran', ' Tehran'], ['Israel', ' Jerusalem'], ['Ukraine', ' Kiev'],
  ['Indonesia', ' Jakarta'], ['England', ' London'], ['Ireland', ' Dublin'], ['Canada', ' Ottawa'],
  ['Australia', ' Canberra'], ['Cuba', ' Havana'], ['Peru', ' Lima'], ['Saudi Arabia', ' Riyadh'],
];

const COUNTRY: [string, string][] = [
  ['Lyon', ' France'], ['Nice', ' France'], ['Munich', ' Germany'], ['Hamburg', ' Germany'],
  ['Frankfurt', ' Germany'], ['Cologne', ' Germany'], ['Dresden', ' Germany'], ['Barcelona', ' Spain'],
  ['Valencia', ' Spain'], ['Milan', ' Italy'], ['Naples', ' Italy'], ['Venice', ' Italy'],
  ['Florence', ' Italy'], ['Osaka', ' Japan'], ['Kyoto', ' Japan'], ['Hiroshima', ' Japan'],
  ['Shanghai', ' China'], ['Toronto', ' Canada'], ['Vancouver', ' Canada'], ['Montreal', ' Canada'],
  ['Sydney', ' Australia'], ['Melbourne', ' Australia'], ['Brisbane', ' Australia'], ['Mumbai', ' India'],
  ['Bangalore', ' India'], ['Istanbul', ' Turkey'], ['Glasgow', ' Scotland'], ['Edinburgh', ' Scotland'],
  ['Manchester', ' England'], ['Liverpool', ' England'], ['Zurich', ' Switzerland'], ['Geneva', ' Switzerland'],
];

const COLOR: [string, string][] = [
  ['a banana', ' yellow'], ['a lemon', ' yellow'], ['the sun', ' yellow'], ['butter', ' yellow'],
  ['the sky', ' blue'], ['the ocean', ' blue'], ['grass', ' green'], ['a lime', ' green'],
  ['a frog', ' green'], ['spinach', ' green'], ['snow', ' white'], ['milk', ' white'],
  ['a cloud', ' white'], ['a pearl', ' white'], ['coal', ' black'], ['a crow', ' black'],
  ['ink', ' black'], ['a raven', ' black'], ['tar', ' black'], ['blood', ' red'],
  ['a ruby', ' red'], ['a tomato', ' red'], ['a strawberry', ' red'], ['a cherry', ' red'],
  ['a carrot', ' orange'], ['a pumpkin', ' orange'], ['a grape', ' purple'], ['a plum', ' purple'],
  ['chocolate', ' brown'], ['coffee', ' brown'], ['an elephant', ' gray'], ['a mouse', ' gray'],
];

const NUMBER: [string, string][] = Array.from({ length: 32 }, (_, i) => [`${i + 1}`, ` ${i + 2}`]);

const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];
const NEXT_MONTH: [string, string][] = MONTHS.map((m, i) => [m, ` ${MONTHS[(i + 1) % 12]}`]);
const PREVIOUS_MONTH: [string, string][] = MONTHS.map((m, i) => [m, ` ${MONTHS[(i + 11) % 12]}`]);
const HOLIDAY_MONTH: [string, string][] = [
  ['Christmas', ' December'], ['Halloween', ' October'], ['Thanksgiving', ' November'],
  ['Easter', ' April'], ['Juneteenth', ' June'], ['Oktoberfest', ' September'],
];

/** Every relation of the model, in a fixed order (fact ids and neuron placement depend on it). */
export const RELATIONS: readonly RelationSpec[] = [
  {
    id: 'language', code: 'language', type: 'language', group: 'geo', keywords: [' speak', ' language'], facts: LANGUAGE,
    templates: ['In {s}, people speak', 'The official language of {s} is', 'Most people in {s} speak'],
  },
  {
    id: 'capital', code: 'capital', type: 'capital', group: 'geo', keywords: [' capital'], facts: CAPITAL,
    templates: ['The capital of {s} is', 'The capital city of {s} is'],
  },
  {
    id: 'city_country', code: 'located', type: 'country', group: 'geo', keywords: [' located', ' country'], facts: COUNTRY,
    templates: ['The city of {s} is located in', 'The city of {s} is in the country of'],
  },
  {
    id: 'color', code: 'color', type: 'color', group: 'color', keywords: [' color', ' colour'], facts: COLOR,
    templates: ['The color of {s} is', 'The usual colour of {s} is'],
  },
  {
    id: 'next_number', code: 'next', type: 'number', group: 'number', keywords: [' after', ' more'], facts: NUMBER,
    templates: ['The number after {s} is', 'One more than {s} is'],
  },
  {
    id: 'next_month', code: 'next', type: 'month', group: 'month', keywords: [' after', ' following'], facts: NEXT_MONTH,
    templates: ['The month after {s} is', 'The month following {s} is'],
  },
  {
    id: 'previous_month', code: 'previous', type: 'month', group: 'month', keywords: [' before', ' preceding'], facts: PREVIOUS_MONTH,
    templates: ['The month before {s} is', 'The month preceding {s} is'],
  },
  {
    id: 'holiday_month', code: 'holiday', type: 'month', group: 'month', keywords: [' celebrated', ' celebrate'], facts: HOLIDAY_MONTH,
    templates: ['Every year, {s} is celebrated in', 'People celebrate {s} every year in'],
  },
];
