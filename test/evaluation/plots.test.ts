// Plots: the Vega-Lite specs validate against vega-lite's schema, the SVG rendered from them by
// vega's headless view parses as SVG with the expected marks and labels, and (when Chromium is
// installed) renders to a non-blank screenshot in headless Chromium.
import { existsSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { chromium } from 'playwright-core';
import type { TopLevelSpec } from 'vega-lite';
import { headHeatmapSpec, layerBarChartSpec, renderSvg, typeLayerHistogramSpec, vegaLiteSchemaErrors } from '../../api/plots/index.js';
import { knowledgeMaps, type SentenceAttribution } from '../../engine/index.js';

const CHROMIUM = '/usr/bin/chromium';

const layers = [0, 1, 2, 3].map((layer) => ({ layer, attention: layer === 2 ? 2.5 : -0.1 * layer, ffn: layer === 3 ? 8.75 : 0.05 }));
const heads = [0, 1, 2, 3].flatMap((layer) => [0, 1, 2, 3, 4, 5].map((head) => ({ layer, head, score: layer === 2 && head === 1 ? 2.2 : (head - 3) / 100 })));

function sentence(id: string, type: string, shift: number): SentenceAttribution {
  return {
    id, knowledgeType: type,
    ffnNeurons: [{ layer: 3, neuron: 7 + shift, score: 3 }, { layer: 1, neuron: 2, score: 0.5 }],
    attentionNeurons: [{ layer: 2, head: 1, dim: 0, position: 1, score: 2 }],
    layers, heads,
    queryNeurons: [{ layer: 0, neuron: 4, score: 1 }],
  };
}
const maps = knowledgeMaps([sentence('a', 'language', 0), sentence('b', 'language', 1), sentence('c', 'capital', 0)], { top: 2 });

const SPECS: [string, TopLevelSpec, string[]][] = [
  ['layer bar chart', layerBarChartSpec(layers, { title: 'Layer scores', yTitle: 'log-prob increase' }), ['Layer scores', 'log-prob increase', 'attention', 'FFN']],
  ['head heatmap', headHeatmapSpec(heads, { title: 'Head scores' }), ['Head scores', 'head', 'layer']],
  ['per-type layer histogram', typeLayerHistogramSpec(maps), ['language', 'capital', 'neurons per sentence']],
];

/** Every text node of a parsed XML tree (fast-xml-parser's preserveOrder layout). */
function texts(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => texts(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '#text') out.push(String(v));
      else if (k !== ':@') texts(v, out);
    }
  }
  return out;
}

describe('plot specs', () => {
  it.each(SPECS)('%s validates against the Vega-Lite schema', (_name, spec) => {
    expect(vegaLiteSchemaErrors(spec)).toEqual([]);
  });

  it('an invalid spec is reported with the failing path (EXPECTED FAILURE)', () => {
    const errors = vegaLiteSchemaErrors({ data: { values: [] }, mark: 'barchart', encoding: {} });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(/\/mark/);
  });
});

describe('SVG rendered from the specs', () => {
  const svgs = new Map<string, string>();
  beforeAll(async () => {
    for (const [name, spec] of SPECS) svgs.set(name, await renderSvg(spec));
  }, 60_000);

  it.each(SPECS)('%s: well-formed SVG with rect marks and the expected labels', (name, _spec, labels) => {
    const svg = svgs.get(name)!; // rendered in beforeAll
    const valid = XMLValidator.validate(svg);
    if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid.err)}`);
    const tree = new XMLParser({ ignoreAttributes: false, preserveOrder: true }).parse(svg) as Record<string, unknown>[];
    const root = tree.find((n) => 'svg' in n);
    expect(root).toBeDefined();
    expect((root as { ':@': Record<string, string> })[':@']['@_xmlns']).toBe('http://www.w3.org/2000/svg');
    expect(svg).toMatch(/class="mark-rect role-mark/);
    const words = texts(tree);
    for (const label of labels) expect(words).toContain(label);
  });

  it('the bar chart has one bar per (layer, part) and the heatmap one cell per head', () => {
    // vega draws each bar / cell of a rect mark as one <path> inside the mark's group.
    const count = (svg: string): number => {
      const group = svg.slice(svg.indexOf('class="mark-rect role-mark'));
      return (group.slice(0, group.indexOf('</g>')).match(/<path /g) ?? []).length;
    };
    expect(count(svgs.get('layer bar chart')!)).toBe(layers.length * 2);
    expect(count(svgs.get('head heatmap')!)).toBe(heads.length);
  });

  const maybe = existsSync(CHROMIUM) ? it : it.skip;
  if (!existsSync(CHROMIUM)) {
    console.warn(`plots: ${CHROMIUM} not found: skipping the headless Chromium screenshot test`);
  }
  maybe('renders in headless Chromium: the SVG parses in the browser and the screenshot is not blank', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
      for (const [name] of SPECS) {
        const svg = svgs.get(name)!; // rendered in beforeAll
        // Browser code as source text: the test's TypeScript has no DOM library.
        const parsed: unknown = await page.evaluate(`(() => {
          const doc = new DOMParser().parseFromString(${JSON.stringify(svg)}, 'image/svg+xml');
          return { error: doc.getElementsByTagName('parsererror').length, root: doc.documentElement.nodeName };
        })()`);
        expect(parsed).toEqual({ error: 0, root: 'svg' });
        await page.setContent(`<!doctype html><body style="margin:0;background:#fff">${svg}</body>`);
        const box = await page.locator('svg').first().boundingBox();
        expect(box!.width).toBeGreaterThan(50); // present once the SVG laid out
        const png = await page.screenshot({ clip: box!, type: 'png' });
        expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
        // Coloured bars: the screenshot must contain non-grey pixels, read back through a canvas.
        const coloured: unknown = await page.evaluate(`(async () => {
          const img = new Image();
          img.src = 'data:image/png;base64,${png.toString('base64')}';
          await img.decode();
          const c = document.createElement('canvas');
          c.width = img.width;
          c.height = img.height;
          const ctx = c.getContext('2d');
          ctx.drawImage(img, 0, 0);
          const d = ctx.getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) n++;
          return n;
        })()`);
        expect(coloured).toBeGreaterThan(100);
      }
    } finally {
      await browser.close();
    }
  }, 90_000);
});
