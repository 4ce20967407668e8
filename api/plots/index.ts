// Plots of evaluation and knowledge-map results: Vega-Lite specs, schema validation, SVG rendering.
export { headHeatmapSpec, layerBarChartSpec, typeLayerHistogramSpec, VEGA_LITE_SCHEMA } from './specs.js';
export { renderSvg } from './render-svg.js';
export { vegaLiteSchemaErrors } from './validate-spec.js';
