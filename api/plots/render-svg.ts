// Server-side SVG from a Vega-Lite spec: compiled by vega-lite, rendered by vega's headless View
// (renderer 'none', view.toSVG()). The only module that imports vega / vega-lite at runtime.
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The SVG document of `spec`; throws the compiler's error for an invalid spec. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { spec: vgSpec } = compile(spec);
  const view = new View(parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
