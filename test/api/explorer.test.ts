// The explorer page at `/` in headless Chromium (playwright-core driving the Debian package):
// served entirely by the API (every request same-origin), a query run through the UI shows its
// result as a table, presets and the API key field work, errors show their code.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createApiKey } from '../../api/auth/api-keys.js';
import { PROJECT_ROOT } from '../../api/config.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`test/api/explorer.test.ts skipped: ${CHROMIUM} is missing (apt-get update && apt-get install -y chromium)`);
}
const describeWithChromium = haveChromium ? describe : describe.skip;

describeWithChromium('explorer page in headless Chromium', () => {
  let db: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let origin: string;
  let annotatorKey: string;
  const requests: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db.prisma);
    origin = new URL(server.url).origin;
    const model = await db.prisma.model.create({
      data: { name: 'tiny-gpt2', architecture: 'GPT2', sourcePath: '/m/tiny', config: { nLayers: 4, dModel: 256, dMlp: 1024, nHeads: 4, dVocab: 50257, nCtx: 1024 }, weightsChecksum: 'x' },
    });
    const capital = await db.prisma.knowledgeType.findUniqueOrThrow({ where: { name: 'capital' } });
    for (const [text, answer] of [['The capital of France is', ' Paris'], ['The capital of Japan is', ' Tokyo']]) {
      await db.prisma.prompt.create({ data: { text, expectedAnswer: answer, knowledgeTypeId: capital.id, modelId: model.id } });
    }
    annotatorKey = (await createApiKey(db.prisma, 'alice', 'ANNOTATOR')).key;
    const neuron = await db.prisma.neuron.create({ data: { modelId: model.id, kind: 'ATTENTION', layer: 2, head: 1, index: 7 } });
    await db.prisma.annotation.create({ data: { neuronId: neuron.id, label: 'mover head', author: 'alice', tags: ['capital'] } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`${origin}/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await db?.drop();
  });

  it('loads from the server alone: every request same-origin, no console errors, schema listed', async () => {
    expect(requests.length).toBeGreaterThanOrEqual(4);
    expect(requests.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
    expect(problems).toEqual([]);
    await expect(page.locator('#schema-fields li', { hasText: 'prompts(' }).count()).resolves.toBe(1);
    await expect(page.locator('#model-select option', { hasText: 'tiny-gpt2' }).count()).resolves.toBe(1);
  });

  it('runs a query typed into the editor and shows the result as a table', async () => {
    await page.fill('#query', '{ prompts(first: 5) { edges { node { id text expectedAnswer knowledgeType { name } } } } }');
    await page.fill('#variables', '{}');
    await page.click('#run');
    const cell = page.locator('#results table td', { hasText: 'The capital of Japan is' });
    await cell.waitFor({ timeout: 10_000 });
    const headers = await page.locator('#results table th').allTextContents();
    expect(headers).toEqual(expect.arrayContaining(['id', 'text', 'expectedAnswer', 'knowledgeType.name']));
    expect(await page.locator('#results tbody tr').count()).toBe(2);
    await expect(page.locator('#errors').textContent()).resolves.toBe('');
  });

  it('the Models preset lists models with their config', async () => {
    await page.click('button[data-preset="models"]');
    await page.locator('#results td', { hasText: 'tiny-gpt2' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#results th').allTextContents()).toEqual(expect.arrayContaining(['name', 'config.nLayers', 'config.dVocab']));
    expect(await page.locator('#query').inputValue()).toContain('models');
  });

  it('the Annotations preset lists annotations with their neuron', async () => {
    await page.click('button[data-preset="annotations"]');
    await page.locator('#results td', { hasText: 'mover head' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#results th').allTextContents()).toEqual(expect.arrayContaining(['label', 'author', 'neuron.layer', 'neuron.model.name']));
    expect(await page.locator('#results button.neuron').count()).toBe(1);
  });

  it('filters prompts by model and text from the side panel', async () => {
    await page.selectOption('#model-select', { label: 'tiny-gpt2' });
    await page.fill('#prompt-filter', 'France');
    await page.click('#load-prompts');
    await page.locator('#results td', { hasText: 'The capital of France is' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#results tbody tr').count()).toBe(1);
  });

  it('pages a connection with the next page button', async () => {
    await page.selectOption('#model-select', { label: 'any model' });
    await page.fill('#prompt-filter', '');
    await page.click('#load-prompts');
    await page.locator('#results td', { hasText: 'The capital of France is' }).waitFor({ timeout: 10_000 });
    await page.fill('#variables', '{ "first": 1 }');
    await page.click('#run');
    await page.locator('#results button.next-page').waitFor({ timeout: 10_000 });
    expect(await page.locator('#results tbody tr').count()).toBe(1);
    await page.click('#results button.next-page');
    await page.locator('#results td', { hasText: 'The capital of Japan is' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#results tbody tr').count()).toBe(1);
    expect(await page.locator('#results button.next-page').count()).toBe(0);
  });

  it('shows an error with its code', async () => {
    await page.fill('#query', '{ prompts(first: 101) { edges { node { id } } } }');
    await page.click('#run');
    await page.locator('#errors', { hasText: 'BAD_USER_INPUT' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#errors').textContent()).toContain('first must be in [0, 100]: got 101');
  });

  it('sends the API key as a Bearer header', async () => {
    await page.fill('#api-key', annotatorKey);
    await page.dispatchEvent('#api-key', 'change');
    await page.locator('#me', { hasText: 'alice (ANNOTATOR)' }).waitFor({ timeout: 10_000 });
    await page.click('button[data-preset="prompts"]');
    await page.locator('#results td', { hasText: 'The capital of France is' }).waitFor({ timeout: 10_000 });
    const dir = path.join(PROJECT_ROOT, '.cache', 'screenshots');
    await mkdir(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, 'explorer.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('annotates a neuron from its page with the key entered (and refuses without one)', async () => {
    await page.click('button[data-preset="annotations"]');
    await page.locator('#results button.neuron').first().click();
    await page.locator('#annotation-label').waitFor({ timeout: 10_000 });
    await page.fill('#annotation-label', 'relation head');
    await page.fill('#annotation-tags', 'capital, relation');
    await page.click('#annotation-add');
    await page.locator('[data-field="annotations"] td', { hasText: 'relation head' }).waitFor({ timeout: 10_000 });
    const row = await db.prisma.annotation.findFirstOrThrow({ where: { label: 'relation head' } });
    expect(row).toMatchObject({ author: 'alice', tags: ['capital', 'relation'], version: 1 });
    await page.fill('#api-key', '');
    await page.dispatchEvent('#api-key', 'change');
    await page.fill('#annotation-label', 'anonymous try');
    await page.click('#annotation-add');
    await page.locator('#errors', { hasText: 'UNAUTHENTICATED' }).waitFor({ timeout: 10_000 });
    expect(await db.prisma.annotation.count({ where: { label: 'anonymous try' } })).toBe(0);
  });

  it('with ATLAS_REQUIRE_KEY_FOR_READS, loads the schema and models once a key is entered', async () => {
    const closed = await startTestServer(db.prisma, { requireKeyForReads: true });
    const closedPage = await browser.newPage();
    try {
      await closedPage.goto(new URL('/', closed.url).href);
      await closedPage.waitForSelector('body[data-ready="true"]');
      expect(await closedPage.locator('#me').textContent()).toMatch(/^no key: this operation needs an API key with role READER/);
      expect(await closedPage.locator('#schema-fields li').count()).toBe(0);
      await closedPage.fill('#api-key', annotatorKey);
      await closedPage.dispatchEvent('#api-key', 'change');
      await closedPage.locator('#model-select option', { hasText: 'tiny-gpt2' }).waitFor({ state: 'attached', timeout: 10_000 });
      await closedPage.locator('#schema-fields li', { hasText: 'prompts(' }).waitFor({ timeout: 10_000 });
      expect(await closedPage.locator('#model-select option').count()).toBe(2);
      expect(await closedPage.locator('#me').textContent()).toBe('alice (ANNOTATOR)');
    } finally {
      await closedPage.close();
      await closed.stop();
    }
  });
});
