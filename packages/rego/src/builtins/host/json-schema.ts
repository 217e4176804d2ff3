/**
 * json.verify_schema and json.match_schema: JSON Schema drafts 4, 6 and 7, validated with Ajv (ajv-draft-04 for
 * schemas declaring draft 4). The result shapes are OPA's (topdown/jsonschema.go): verify_schema gives
 * `[true, null]` or `[false, "jsonschema: <why>"]`; match_schema gives `[valid, errors]` with one
 * `{error, type, field, desc}` object per violation. OPA validates with gojsonschema: the `type` names and `field`
 * paths follow it, and the `desc` texts follow its wording where Ajv reports the same facts, but the number and order
 * of errors for combinators (anyOf, oneOf) and some texts can differ; the validity answer is the schema's.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { BoundedCache } from './bounded-cache';
import { fail } from './errors';
import { Impl, isArray, isObject, isString } from './values';

// Ajv ships the draft-06 meta-schema as JSON; draft 7 (its default) accepts draft-06 schemas once it knows it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const draft06MetaSchema = require('ajv/dist/refs/json-schema-draft-06.json') as object;

const validators = new BoundedCache<ValidateFunction | Error>(64);

/** A fresh Ajv per schema: compiled schemas with an `$id` would otherwise clash, and Ajv's own cache never shrinks. */
function newAjv(draft04: boolean): Ajv {
  // allErrors: gojsonschema reports every violation; strict off: unknown keywords are ignored, as there.
  const options = { allErrors: true, strict: false, logger: false as const, validateSchema: true };
  const ajv = draft04 ? new AjvDraft04(options) : new Ajv(options);
  if (!draft04) ajv.addMetaSchema(draft06MetaSchema);
  addFormats(ajv);
  return ajv;
}

function compileSchema(schema: unknown): ValidateFunction {
  const text = JSON.stringify(schema);
  const result = validators.get(text, () => {
    const declared = isObject(schema) && isString(schema.$schema) ? schema.$schema : '';
    try {
      return newAjv(/draft-04/.test(declared)).compile(schema as object);
    } catch (error) {
      // Without $schema gojsonschema accepts the keywords of every draft: try draft 4's forms
      // (`exclusiveMinimum: true`) before calling the schema invalid.
      if (declared === '') {
        try {
          return newAjv(true).compile(schema as object);
        } catch {
          // fall through to the first error
        }
      }
      return error instanceof Error ? error : new Error(String(error));
    }
  });
  if (result instanceof Error) throw result;
  return result;
}

/** A document or schema as OPA takes it: a JSON string (parsed), or an object or array. */
function loadJson(value: unknown): unknown {
  if (isString(value)) {
    try {
      return JSON.parse(value);
    } catch {
      throw new Error('invalid JSON string');
    }
  }
  if (isObject(value) || isArray(value)) return value;
  throw new Error('wrong type, expected string or object');
}

/** gojsonschema's field: the instance path dotted, `(root)` for the document itself. */
function fieldOf(instancePath: string, extra?: string): string {
  const segments =
    instancePath === ''
      ? []
      : instancePath
          .slice(1)
          .split('/')
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  return segments.length === 0 ? '(root)' : segments.join('.');
}

/** gojsonschema's name for a value's type (whole numbers are `integer`). */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function valueAt(document: unknown, instancePath: string): unknown {
  if (instancePath === '') return document;
  let node = document;
  for (const raw of instancePath.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isArray(node) ? node[Number(key)] : isObject(node) ? node[key] : undefined;
  }
  return node;
}

const COMPARISONS: Record<string, [string, string]> = {
  '>=': ['number_gte', 'Must be greater than or equal to'],
  '>': ['number_gt', 'Must be greater than'],
  '<=': ['number_lte', 'Must be less than or equal to'],
  '<': ['number_lt', 'Must be less than'],
};

/** One Ajv error as gojsonschema's type, field and description. */
function describe(e: ErrorObject, document: unknown): { type: string; field: string; desc: string } {
  const p = e.params as Record<string, unknown>;
  const field = fieldOf(e.instancePath);
  const at = (type: string, desc: string, f = field) => ({ type, field: f, desc });
  switch (e.keyword) {
    case 'required':
      return at('required', `${String(p.missingProperty)} is required`);
    case 'type': {
      const expected = Array.isArray(p.type) ? p.type.join(',') : String(p.type);
      return at('invalid_type', `Invalid type. Expected: ${expected}, given: ${typeName(valueAt(document, e.instancePath))}`);
    }
    case 'enum':
      return at(
        'enum',
        `${field} must be one of the following: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      );
    case 'const':
      return at('const', `${field} does not match: ${JSON.stringify(p.allowedValue)}`);
    case 'minLength':
      return at('string_gte', `String length must be greater than or equal to ${String(p.limit)}`);
    case 'maxLength':
      return at('string_lte', `String length must be less than or equal to ${String(p.limit)}`);
    case 'pattern':
      return at('pattern', `Does not match pattern '${String(p.pattern)}'`);
    case 'format':
      return at('format', `Does not match format '${String(p.format)}'`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const [type, text] = COMPARISONS[String(p.comparison)] ?? ['number_gte', 'Must be greater than or equal to'];
      return at(type, `${text} ${String(p.limit)}`);
    }
    case 'multipleOf':
      return at('multiple_of', `Must be a multiple of ${String(p.multipleOf)}`);
    case 'minItems':
      return at('array_min_items', `Array must have at least ${String(p.limit)} items`);
    case 'maxItems':
      return at('array_max_items', `Array must have at most ${String(p.limit)} items`);
    case 'uniqueItems':
      return at('unique', `array items[${String(p.j)},${String(p.i)}] must be unique`);
    case 'additionalItems':
      return at('array_no_additional_items', 'No additional items allowed on array');
    case 'minProperties':
      return at('array_min_properties', `Must have at least ${String(p.limit)} properties`);
    case 'maxProperties':
      return at('array_max_properties', `Must have at most ${String(p.limit)} properties`);
    case 'additionalProperties':
      return at(
        'additional_property_not_allowed',
        `Additional property ${String(p.additionalProperty)} is not allowed`,
        fieldOf(e.instancePath, String(p.additionalProperty)),
      );
    case 'dependencies':
    case 'dependentRequired':
      return at('missing_dependency', `Has a dependency on ${String(p.deps)}`);
    case 'propertyNames':
      return at('invalid_property_name', `Property name of "${String(p.propertyName)}" does not match`);
    case 'anyOf':
      return at('number_any_of', 'Must validate at least one schema (anyOf)');
    case 'oneOf':
      return at('number_one_of', 'Must validate one and only one schema (oneOf)');
    case 'not':
      return at('number_not', 'Must not validate the schema (not)');
    case 'if':
      return p.failingKeyword === 'else'
        ? at('condition_else', 'Must validate "else" as "if" was not valid')
        : at('condition_then', 'Must validate "then" as "if" was valid');
    case 'contains':
      return at('contains', 'At least one of the items must match');
    case 'false schema':
      return at('false', 'False always fails validation');
    default:
      return at(e.keyword, e.message ?? e.keyword);
  }
}

export const jsonSchemaBuiltins: Record<string, Impl> = {
  'json.verify_schema': (schema) => {
    try {
      compileSchema(loadJson(schema));
      return [true, null];
    } catch (error) {
      return [false, `jsonschema: ${(error as Error).message}`];
    }
  },
  'json.match_schema': (document, schema) => {
    let validate: ValidateFunction;
    let doc: unknown;
    try {
      doc = loadJson(document);
      validate = compileSchema(loadJson(schema));
    } catch (error) {
      return fail('json.match_schema', (error as Error).message);
    }
    if (validate(doc)) return [true, []];
    const errors = (validate.errors ?? []).map((e) => {
      const { type, field, desc } = describe(e, doc);
      return { error: `${field}: ${desc}`, type, field, desc };
    });
    return [false, errors];
  },
};
