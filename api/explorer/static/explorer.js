/* global document, Node, fetch, atob, performance, sessionStorage */
// neuron-atlas explorer: a GraphQL editor whose results render as tables, presets for models,
// prompts and attribution, and the schema's query fields. Plain DOM, no dependencies, served by
// the API itself (offline clusters have no CDN). Data is only ever inserted as text, never as HTML.

const endpoint = document.body.dataset.endpoint || '/graphql';
const $ = (id) => document.getElementById(id);
const KEY_STORAGE = 'neuron-atlas.apiKey';

/** Query fields and object types found by introspection (filled on load). */
const schema = { queryFields: new Map(), types: new Map() };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

/** POSTs one operation; resolves to the parsed response (also for HTTP 4xx with a GraphQL body). */
async function gql(query, variables = {}) {
  const headers = { 'content-type': 'application/json' };
  const key = $('api-key').value.trim();
  if (key !== '') headers.authorization = `Bearer ${key}`;
  const res = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return { errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 200)}`, extensions: { code: 'HTTP' } }] };
  }
}

function decodeGlobalId(id) {
  try {
    const decoded = atob(id);
    const match = /^([A-Za-z]+):(\d+)$/.exec(decoded);
    return match ? { type: match[1], id: Number(match[2]) } : null;
  } catch {
    return null;
  }
}

function formatNumber(value) {
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(3) : value.toPrecision(4);
}

/** A row object flattened to `a.b` columns; scalar lists joined, object lists summarised. */
function flatten(value, prefix = '', out = {}) {
  for (const [key, inner] of Object.entries(value ?? {})) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (Array.isArray(inner)) {
      out[name] = inner.every((item) => item === null || typeof item !== 'object') ? inner.join(', ') : `[${inner.length} items]`;
    } else if (inner !== null && typeof inner === 'object') {
      flatten(inner.edges ? { count: inner.edges.length } : inner, name, out);
    } else {
      out[name] = inner;
    }
  }
  return out;
}

const BAR_COLUMNS = /(^|\.)(score|prob|attention|ffn)$/;

function rowActions(row) {
  const actions = [];
  const own = decodeGlobalId(row.id ?? '');
  if (own?.type === 'Prompt' && schema.queryFields.has('attribution')) {
    actions.push(el('button', { type: 'button', class: 'attribution', onclick: () => showAttribution(row.id) }, 'attribution'));
  }
  // A finished run can be checked by ablation: its best value neurons zeroed, against a random control.
  if (own?.type === 'AttributionRun' && row.status === 'SUCCEEDED' && row.prompt?.id && schema.queryFields.has('intervention')) {
    actions.push(el('button', { type: 'button', class: 'ablate', onclick: () => showIntervention(row.prompt.id, row.id) }, `ablate top ${ABLATE_TOP}`));
  }
  // A neuron row, or a row about a neuron (a score, an annotation), links to the neuron.
  const neuronId = own?.type === 'Neuron' ? row.id : decodeGlobalId(row.neuron?.id ?? '')?.type === 'Neuron' ? row.neuron.id : null;
  if (neuronId !== null) {
    actions.push(el('button', { type: 'button', class: 'neuron', onclick: () => showNeuron(neuronId) }, 'neuron'));
  }
  return actions;
}

/** A table of objects; numeric columns right-aligned, score-like columns with bars. */
function table(rows) {
  const flat = rows.map((row) => flatten(row));
  const columns = [...new Set(flat.flatMap((row) => Object.keys(row)))];
  const maxAbs = Object.fromEntries(columns.map((c) => [c, Math.max(0, ...flat.map((r) => (typeof r[c] === 'number' ? Math.abs(r[c]) : 0)))]));
  const actions = rows.map(rowActions);
  const withActions = actions.some((a) => a.length > 0);
  const head = el('tr', {}, ...columns.map((c) => el('th', {}, c)), ...(withActions ? [el('th', {}, '')] : []));
  const body = flat.map((row, i) => el('tr', {},
    ...columns.map((c) => {
      const v = row[c];
      if (typeof v !== 'number') return el('td', {}, v === null || v === undefined ? '' : String(v));
      const cell = el('td', { class: 'num' });
      if (BAR_COLUMNS.test(c) && maxAbs[c] > 0) {
        const bar = el('span', { class: 'bar' });
        // Through CSSOM: the Content-Security-Policy forbids style attributes.
        bar.style.width = `${Math.round((40 * Math.abs(v)) / maxAbs[c])}px`;
        cell.append(bar);
      }
      cell.append(formatNumber(v));
      return cell;
    }),
    ...(withActions ? [el('td', {}, ...actions[i])] : [])));
  return el('table', {}, el('thead', {}, head), el('tbody', {}, ...body));
}

/** Renders any JSON value: lists and connections as tables, objects as key/value tables plus sub-tables. */
function renderValue(title, value, depth = 0) {
  const box = el('section', { class: 'result', 'data-field': title });
  box.append(el(depth === 0 ? 'h3' : 'h4', {}, title));
  if (value === null || typeof value !== 'object') {
    box.append(el('span', { class: 'scalar' }, value === null ? 'null' : String(value)));
  } else if (Array.isArray(value)) {
    box.append(value.length === 0 ? el('p', { class: 'hint' }, 'empty list')
      : value.every((v) => v !== null && typeof v === 'object') ? table(value) : el('span', { class: 'scalar' }, value.join(', ')));
  } else if (Array.isArray(value.edges)) {
    const nodes = value.edges.map((edge) => edge.node ?? edge);
    box.append(nodes.length === 0 ? el('p', { class: 'hint' }, 'no items') : table(nodes));
    if (value.pageInfo?.hasNextPage) box.append(nextPageControl(value.pageInfo.endCursor));
  } else {
    const scalars = {};
    const nested = [];
    for (const [key, inner] of Object.entries(value)) {
      if (Array.isArray(inner) || (inner !== null && typeof inner === 'object' && Array.isArray(inner.edges))) nested.push([key, inner]);
      else scalars[key] = inner;
    }
    const flat = flatten(scalars);
    if (Object.keys(flat).length > 0) {
      box.append(el('table', { class: 'kv' }, el('tbody', {}, ...Object.entries(flat).map(([k, v]) =>
        el('tr', {}, el('th', {}, k), el('td', { class: typeof v === 'number' ? 'num' : '' }, typeof v === 'number' ? formatNumber(v) : v === null ? 'null' : String(v)))))));
      const actions = rowActions(value);
      if (actions.length > 0) box.append(el('div', {}, ...actions));
      if (decodeGlobalId(value.id ?? '')?.type === 'Neuron' && schema.types.get('Mutation')?.has('createAnnotation')) box.append(annotationForm(value.id));
    }
    for (const [key, inner] of nested) box.append(renderValue(key, inner, depth + 1));
  }
  return box;
}

/** A form adding an annotation to neuron `neuronId` (needs an ANNOTATOR key), then reloading the neuron. */
function annotationForm(neuronId) {
  const label = el('input', { id: 'annotation-label', placeholder: 'label, e.g. capital mover' });
  const tags = el('input', { id: 'annotation-tags', placeholder: 'tags, comma separated' });
  const note = el('input', { id: 'annotation-note', placeholder: 'note (optional)' });
  const add = el('button', { type: 'submit', id: 'annotation-add' }, 'annotate');
  const form = el('form', { class: 'annotate' }, label, tags, note, add);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = {
      neuronId,
      label: label.value,
      tags: tags.value.split(',').map((t) => t.trim()).filter((t) => t !== ''),
      ...(note.value.trim() === '' ? {} : { note: note.value }),
    };
    const response = await gql('mutation($input: CreateAnnotationInput!) { createAnnotation(input: $input) { id version } }', { input });
    if (response.errors) showResponse(response);
    else await showNeuron(neuronId);
  });
  return form;
}

/** "next page": reruns the query with `after` = the page's end cursor when it declares `$after`. */
function nextPageControl(endCursor) {
  if (!/\$after\b/.test($('query').value)) return el('p', { class: 'hint' }, `more after cursor ${endCursor}`);
  return el('button', { type: 'button', class: 'next-page', onclick: () => {
    let variables = {};
    try {
      variables = JSON.parse($('variables').value.trim() || '{}');
    } catch {
      // run() reports the bad JSON.
    }
    $('variables').value = JSON.stringify({ ...variables, after: endCursor }, null, 2);
    void run();
  } }, 'next page ▶');
}

function showResponse(response) {
  const errors = $('errors');
  const results = $('results');
  errors.replaceChildren();
  results.replaceChildren();
  for (const error of response.errors ?? []) {
    const code = error.extensions?.code ?? 'ERROR';
    errors.append(el('div', { class: 'error' }, el('code', {}, code), ' ', error.message, error.path ? ` (at ${error.path.join('.')})` : ''));
  }
  for (const [field, value] of Object.entries(response.data ?? {})) results.append(renderValue(field, value));
  $('raw').textContent = JSON.stringify(response, null, 2);
}

async function run() {
  let variables;
  try {
    variables = JSON.parse($('variables').value.trim() || '{}');
  } catch (error) {
    showResponse({ errors: [{ message: `variables are not valid JSON: ${error.message}`, extensions: { code: 'BAD_VARIABLES' } }] });
    return;
  }
  $('status').textContent = 'running…';
  const started = performance.now();
  try {
    const response = await gql($('query').value, variables);
    showResponse(response);
    $('status').textContent = `${response.errors ? 'error' : 'ok'} in ${Math.round(performance.now() - started)} ms`;
  } catch (error) {
    showResponse({ errors: [{ message: String(error), extensions: { code: 'NETWORK' } }] });
    $('status').textContent = 'failed';
  }
}

const PRESETS = {
  models: { query: '{ models { id name architecture config { nLayers dModel dMlp nHeads dVocab nCtx } createdAt } }' },
  knowledgeTypes: { query: '{ knowledgeTypes { id name description } }' },
  health: { query: '{ health { database engine } }' },
  me: { query: '{ me { name role } }' },
  annotations: {
    query: `query Annotations($filter: AnnotationFilter, $first: Int, $after: String) {
  annotations(filter: $filter, first: $first, after: $after) {
    edges { node { id label note tags author version updatedAt neuron { id kind layer head index model { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
    variables: { first: 50, filter: {} },
  },
  prompts: {
    query: `query Prompts($filter: PromptFilter, $first: Int, $after: String) {
  prompts(first: $first, after: $after, filter: $filter) {
    edges { node { id text expectedAnswer knowledgeType { name } model { name } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
    variables: { first: 50 },
  },
};

/**
 * A neuron's page: identity and annotations, and (when the server has it) the vocabulary
 * projection under a second alias, so a model that cannot be loaded does not hide the rest.
 */
async function showNeuron(id) {
  const projection = schema.types.get('Neuron')?.has('projection')
    ? '\n  projection: node(id: $id) { ... on Neuron { top: projection(side: TOP, first: 10) { rank text logit } bottom: projection(side: BOTTOM, first: 10) { rank text logit } } }' : '';
  setEditor(`query Neuron($id: ID!) {
  neuron: node(id: $id) { id ... on Neuron { kind layer head index annotations { id label note tags author version updatedAt } } }${projection}
}`, { id });
  await run();
}

/** The attribution query, keeping only the AttributionRun fields this server has. */
function attributionQuery() {
  const have = schema.types.get('AttributionRun') ?? new Set();
  const wanted = [
    ['id', 'id'],
    ['prompt', 'prompt { id }'],
    ['status', 'status'],
    ['target', 'target { text prob logProb rank }'],
    ['topPredictions', 'topPredictions { text prob }'],
    ['ffnNeurons', 'ffnNeurons(first: 20) { edges { node { rank score coefficient neuron { id layer index } } } }'],
    ['attentionNeurons', 'attentionNeurons(first: 20) { edges { node { rank score coefficient sourcePosition neuron { id layer head index } } } }'],
    ['queryNeurons', 'queryNeurons(first: 10) { edges { node { rank score neuron { id layer index } } } }'],
    ['layers', 'layers { layer attention ffn }'],
    ['heads', 'heads(first: 10) { layer head score }'],
  ];
  const fields = wanted.filter(([name]) => have.has(name)).map(([, selection]) => `    ${selection}`);
  return `query Attribution($promptId: ID!) {\n  attribution(promptId: $promptId) {\n${fields.join('\n')}\n  }\n}`;
}

function setEditor(query, variables = {}) {
  $('query').value = query;
  $('variables').value = JSON.stringify(variables, null, 2);
}

async function runPreset(name, variables) {
  const preset = PRESETS[name];
  setEditor(preset.query, variables ?? preset.variables ?? {});
  await run();
}

/** FFN and attention value neurons an "ablate" action zeroes. */
const ABLATE_TOP = 10;

/** The intervention of a run: its top value neurons zeroed, next to a random control of the same size. */
async function showIntervention(promptId, runId) {
  setEditor(`query Intervention($promptId: ID!, $run: ID!, $top: Int!) {
  intervention(promptId: $promptId, ablate: { run: $run, topFfn: $top, topAttention: $top }) {
    target { text prob logProb rank }
    after { prob logProb rank }
    logProbChange
    control { prob logProb rank }
    neurons { id kind layer head index }
  }
}`, { promptId, run: runId, top: ABLATE_TOP });
  await run();
}

async function showAttribution(promptId) {
  setEditor(attributionQuery(), { promptId });
  await run();
}

async function listPrompts() {
  const filter = {};
  if ($('model-select').value !== '') filter.modelId = $('model-select').value;
  if ($('prompt-filter').value.trim() !== '') filter.textContains = $('prompt-filter').value.trim();
  await runPreset('prompts', { first: 50, filter });
}

/**
 * Neuron search on the picked model: by the token a neuron writes (vocabulary projection, best
 * logit first) and/or by a knowledge type (statistics over its stored runs, most prompts first).
 */
async function findNeurons() {
  const model = $('model-select').value;
  const token = $('neuron-token').value;
  const knowledgeType = $('neuron-type').value.trim();
  if (model === '' || (token.trim() === '' && knowledgeType === '')) {
    showResponse({ errors: [{ message: 'pick a model, then give a token and/or a knowledge type', extensions: { code: 'EXPLORER' } }] });
    return;
  }
  const filter = {};
  if (token.trim() !== '') filter.projectsTo = /^\d+$/.test(token.trim()) ? { tokenId: Number(token.trim()) } : { text: token };
  if (knowledgeType !== '') filter.knowledgeType = knowledgeType;
  const orderBy = knowledgeType !== '' ? 'PROMPT_COUNT' : 'PROJECTION_LOGIT';
  setEditor(`query Neurons($model: ID!, $filter: NeuronFilter, $orderBy: NeuronOrder, $first: Int, $after: String) {
  neurons(model: $model, filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    edges { node { projectionLogit promptCount occurrences meanScore neuron { id kind layer head index } } }
    pageInfo { hasNextPage endCursor }
  }
}`, { model, filter, orderBy, first: 20 });
  await run();
}

async function loadSchema() {
  const response = await gql('{ __schema { queryType { fields { name description args { name } } } types { name kind fields { name } } } }');
  const root = response.data?.__schema;
  if (!root) return;
  for (const type of root.types) if (type.kind === 'OBJECT') schema.types.set(type.name, new Set((type.fields ?? []).map((f) => f.name)));
  const list = $('schema-fields');
  list.replaceChildren();
  for (const field of root.queryType.fields) {
    schema.queryFields.set(field.name, field);
    const args = field.args.length > 0 ? `(${field.args.map((a) => a.name).join(', ')})` : '';
    list.append(el('li', { title: field.description ?? '' }, `${field.name}${args}`));
  }
  $('attribution-hint').hidden = !schema.queryFields.has('attribution');
  $('neuron-search').hidden = !schema.queryFields.has('neurons');
}

async function loadModels() {
  const response = await gql('{ models { id name } }');
  const select = $('model-select');
  select.replaceChildren(el('option', { value: '' }, 'any model'));
  for (const model of response.data?.models ?? []) select.append(el('option', { value: model.id }, model.name));
}

async function refreshMe() {
  const response = await gql('{ me { name role } }');
  const me = response.data?.me;
  const keyGiven = $('api-key').value.trim() !== '';
  $('me').textContent = response.errors ? `${keyGiven ? 'key rejected' : 'no key'}: ${response.errors[0].message}` : me ? `${me.name} (${me.role})` : 'anonymous';
}

function init() {
  $('api-key').value = sessionStorage.getItem(KEY_STORAGE) ?? '';
  $('api-key').addEventListener('change', () => {
    sessionStorage.setItem(KEY_STORAGE, $('api-key').value.trim());
    // With ATLAS_REQUIRE_KEY_FOR_READS the schema and models only load once a key is given.
    void Promise.all([refreshMe(), loadSchema(), loadModels()]);
  });
  $('query-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void run();
  });
  for (const area of [$('query'), $('variables')]) {
    area.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void run();
      }
    });
  }
  $('show-json').addEventListener('change', () => { $('raw').hidden = !$('show-json').checked; });
  for (const button of document.querySelectorAll('[data-preset]')) button.addEventListener('click', () => void runPreset(button.dataset.preset));
  $('load-prompts').addEventListener('click', () => void listPrompts());
  $('find-neurons').addEventListener('click', () => void findNeurons());
  document.body.dataset.ready = 'loading';
  void Promise.all([loadSchema(), loadModels(), refreshMe()]).finally(() => { document.body.dataset.ready = 'true'; });
}

init();
