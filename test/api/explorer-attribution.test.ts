// The explorer's attribution view in headless Chromium on the knowledge model: pick a prompt in the
// prompts table, and the run's target, top predictions and top value neurons appear as tables.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { PROJECT_ROOT } from '../../api/config.js';
import { startKnowledgeApi, type KnowledgeApi } from '../support/knowledge-api.js';
import type { TestServer } from '../support/test-server.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`test/api/explorer-attribution.test.ts skipped: ${CHROMIUM} is missing (apt-get update && apt-get install -y chromium)`);
const describeWithChromium = haveChromium ? describe : describe.skip;

describeWithChromium('explorer attribution view', () => {
  let api: KnowledgeApi;
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    api = await startKnowledgeApi();
    server = api.server;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('shows the attribution of a picked prompt as tables of top neurons', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(new URL('/', server.url).href);
    await page.waitForSelector('body[data-ready="true"]');
    await page.selectOption('#model-select', { label: 'knowledge-model' });
    await page.fill('#prompt-filter', 'capital');
    await page.click('#load-prompts');
    await page.locator('#results button.attribution').first().click({ timeout: 20_000 });
    const ffn = page.locator('[data-field="ffnNeurons"] table');
    await ffn.waitFor({ timeout: 60_000 });
    expect(await page.locator('#errors').textContent()).toBe('');
    expect(await ffn.locator('tbody tr').count()).toBe(20);
    expect(await ffn.locator('th').allTextContents()).toEqual(expect.arrayContaining(['rank', 'score', 'neuron.layer', 'neuron.index']));
    const ranks = (await ffn.locator('tbody tr td:first-child').allTextContents()).map(Number);
    expect(ranks).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await page.locator('[data-field="topPredictions"] tbody tr').count()).toBe(10);
    expect(await page.locator('[data-field="attribution"] > table.kv th', { hasText: 'target.prob' }).count()).toBe(1);
    const dir = path.join(PROJECT_ROOT, '.cache', 'screenshots');
    await mkdir(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, 'explorer-attribution.png'), fullPage: true });
    // The run's "ablate" action: its top 10 FFN and attention value neurons zeroed, next to a random control.
    await page.locator('[data-field="attribution"] button.ablate').click();
    const ablated = page.locator('[data-field="intervention"] [data-field="neurons"] table');
    await ablated.waitFor({ timeout: 60_000 });
    expect(await page.locator('#errors').textContent()).toBe('');
    expect(await ablated.locator('tbody tr').count()).toBe(20);
    const kv = async (key: string) => Number(await page.locator('[data-field="intervention"] > table.kv tr', { has: page.locator('th', { hasText: new RegExp(`^${key.replace('.', '\\.')}$`) }) }).locator('td').textContent());
    const [before, after, control] = [await kv('target.prob'), await kv('after.prob'), await kv('control.prob')];
    expect(before).toBeGreaterThan(0.5);
    expect(after).toBeLessThan(before / 10);
    expect(control).toBeGreaterThan(after);
    await page.screenshot({ path: path.join(dir, 'explorer-intervention.png'), fullPage: true });
    // A neuron row opens the neuron: its vocabulary projection (top and bottom tokens) and annotations.
    await ablated.locator('button.neuron').first().click();
    await page.locator('[data-field="top"] table').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-field="top"] tbody tr').count()).toBe(10);
    expect(await page.locator('[data-field="bottom"] tbody tr').count()).toBe(10);
    expect(await page.locator('#errors').textContent()).toBe('');
    await page.screenshot({ path: path.join(dir, 'explorer-neuron.png'), fullPage: true });

    // Neuron search: the neuron's own top token finds it (its projection was stored when shown) ...
    const kvOf = async (field: string, key: string) => page.locator(`[data-field="${field}"] > table.kv tr`, { has: page.locator('th', { hasText: new RegExp(`^${key}$`) }) }).locator('td').textContent();
    const [layer, index] = [await kvOf('neuron', 'layer'), await kvOf('neuron', 'index')];
    const token = await page.locator('[data-field="top"] tbody tr').first().locator('td').nth(1).textContent();
    const hits = page.locator('[data-field="neurons"] table');
    const columnsOf = async () => page.locator('[data-field="neurons"] thead th').allTextContents();
    await page.fill('#neuron-token', token ?? '');
    await page.fill('#neuron-type', '');
    await page.click('#find-neurons');
    await hits.waitFor({ timeout: 30_000 });
    expect(await page.locator('#errors').textContent()).toBe('');
    let columns = await columnsOf();
    const column = async (name: string) => hits.locator(`tbody tr td:nth-child(${columns.indexOf(name) + 1})`).allTextContents();
    const [layers, indices] = [await column('neuron.layer'), await column('neuron.index')];
    expect(layers.some((l, i) => l === layer && indices[i] === index)).toBe(true);
    // ... and a knowledge type lists the neurons of its stored runs, with their statistics.
    await page.fill('#neuron-token', '');
    await page.fill('#neuron-type', 'capital');
    await page.evaluate('document.getElementById("results").replaceChildren()'); // so the wait below sees the new table
    await page.click('#find-neurons');
    await hits.waitFor({ timeout: 30_000 });
    columns = await columnsOf();
    expect(await hits.locator('tbody tr').count()).toBe(20);
    const promptCounts = (await column('promptCount')).map(Number);
    expect(promptCounts.every((n) => n >= 1)).toBe(true);
    expect(promptCounts).toEqual([...promptCounts].sort((x, y) => y - x));
    await page.screenshot({ path: path.join(dir, 'explorer-neuron-search.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 120_000);
});
