// Validation of Vega-Lite specs against the JSON schema shipped with vega-lite (ajv, draft-07).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';

let validator: ValidateFunction | null = null;

function compiled(): ValidateFunction {
  if (!validator) {
    const path = createRequire(import.meta.url).resolve('vega-lite/vega-lite-schema.json');
    // The schema uses vega-lite's own keywords and union types (ajv's strict mode rejects them) and
    // string formats (uri, color-hex) that need ajv-formats: structure is validated, formats are not.
    const ajv = new Ajv({ strict: false, validateFormats: false });
    validator = ajv.compile(JSON.parse(readFileSync(path, 'utf8')) as object);
  }
  return validator;
}

/** Errors of `spec` against the Vega-Lite schema, as "path: message" lines (empty when valid). */
export function vegaLiteSchemaErrors(spec: unknown): string[] {
  const validate = compiled();
  if (validate(spec)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}
