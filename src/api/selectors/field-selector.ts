/**
 * Field selectors (`metadata.name=x,status.phase!=Active`): only `=`, `==` and `!=` on the fields a
 * resource supports, as kube-apiserver; anything else is a 400 naming the field.
 */
import { badRequest } from '../errors.js';

export interface FieldSelector {
  matches(fields: Record<string, string>): boolean;
}

interface Term {
  field: string;
  negate: boolean;
  value: string;
}

function unescapeValue(v: string): string {
  return v.replace(/\\(.)/g, '$1');
}

export function parseFieldSelector(selector: string, supported: ReadonlySet<string>): FieldSelector {
  const terms: Term[] = [];
  for (const raw of selector.split(/(?<!\\),/)) {
    const part = raw.trim();
    if (part === '') continue;
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const field = (m[1] ?? '').trim();
    if (!supported.has(field)) throw badRequest(`field label not supported: ${field}`);
    terms.push({ field, negate: m[2] === '!=', value: unescapeValue(m[3] ?? '') });
  }
  return {
    matches: (fields) => terms.every((t) => ((fields[t.field] ?? '') === t.value) !== t.negate),
  };
}
