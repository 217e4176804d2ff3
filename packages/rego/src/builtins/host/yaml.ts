/**
 * yaml.unmarshal and yaml.is_valid as OPA has them: OPA reads YAML with go-yaml v2 (through sigs.k8s.io/yaml), that
 * is YAML 1.1 scalars (`yes`/`no`/`on`/`off` are booleans, `0777` is octal) with merge keys, but timestamps and
 * sexagesimal numbers stay strings; only the first document counts; a later duplicate key wins. The stock SDK has
 * its own versions (YAML 1.2, and undefined instead of an error for invalid YAML), so modules import these under
 * other names (the catalog's hostName).
 */
import { parseAllDocuments, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';
import { fail } from './errors';
import { Impl, isString } from './values';

const OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  merge: true,
  uniqueKeys: false,
  customTags: (tags) =>
    tags.filter((tag) => typeof tag === 'string' || (tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME')),
};

/** The first document's value, or the first error's message. */
function parseFirst(text: string): { value: unknown } | { error: string } {
  const [first] = parseAllDocuments(text, OPTIONS);
  if (!first) return { value: null };
  if ('errors' in first && first.errors.length > 0) return { error: first.errors[0].message.split('\n')[0] };
  return { value: first.toJS() ?? null };
}

export const yamlBuiltins: Record<string, Impl> = {
  'yaml.unmarshal': (text) => {
    if (!isString(text)) return undefined;
    const parsed = parseFirst(text);
    if ('error' in parsed) return fail('yaml.unmarshal', parsed.error);
    return parsed.value;
  },
  'yaml.is_valid': (text) => (isString(text) ? !('error' in parseFirst(text)) : undefined),
};
