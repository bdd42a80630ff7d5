/**
 * Kubernetes label selectors in their string form (`a=b,c!=d,e in (x,y),f notin (z),g,!h`), parsed
 * and checked like apimachinery's labels.Parse; bad syntax is a 400 naming the problem.
 */
import { badRequest } from '../errors.js';

export type Requirement = { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | '!' };

export interface LabelSelector {
  readonly requirements: readonly Requirement[];
  matches(labels: Record<string, string>): boolean;
}

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function fail(selector: string, why: string): never {
  throw badRequest(`unable to parse requirement: ${why} (in label selector ${JSON.stringify(selector)})`);
}

function checkKey(selector: string, key: string): string {
  const k = key.trim();
  const name = k.includes('/') ? k.slice(k.indexOf('/') + 1) : k;
  if (!KEY.test(k) || name.length > 63)
    fail(
      selector,
      `invalid label key "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  return k;
}

function checkValue(selector: string, v: string): string {
  const value = v.trim();
  if (value.length > 63 || !VALUE.test(value))
    fail(
      selector,
      `invalid label value: "${value}": at key: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  return value;
}

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

export function parseLabelSelector(selector: string): LabelSelector {
  const requirements: Requirement[] = [];
  if (selector.trim() !== '') {
    for (const raw of splitTop(selector)) {
      const part = raw.trim();
      if (part === '') fail(selector, "found '', expected: !, identifier, or 'end of string'");
      let m: RegExpExecArray | null;
      if ((m = /^(.+?)\s+(in|notin)\s*\((.*)\)$/.exec(part))) {
        const values = (m[3] ?? '').split(',').map((v) => checkValue(selector, v));
        requirements.push({ key: checkKey(selector, m[1] ?? ''), op: m[2] as 'in' | 'notin', values });
      } else if (/\s(in|notin)\s*\(/.test(part) || part.endsWith('(')) {
        fail(selector, `found '${part}', expected: ')'`);
      } else if ((m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(part))) {
        const value = checkValue(selector, m[3] ?? '');
        requirements.push({ key: checkKey(selector, m[1] ?? ''), op: m[2] === '!=' ? 'notin' : 'in', values: [value] });
      } else if (part.startsWith('!')) {
        requirements.push({ key: checkKey(selector, part.slice(1)), op: '!' });
      } else {
        requirements.push({ key: checkKey(selector, part), op: 'exists' });
      }
    }
  }
  return {
    requirements,
    matches(labels) {
      return requirements.every((r) => {
        const has = Object.hasOwn(labels, r.key);
        switch (r.op) {
          case 'exists':
            return has;
          case '!':
            return !has;
          case 'in':
            return has && r.values.includes(labels[r.key] as string);
          case 'notin':
            return !has || !r.values.includes(labels[r.key] as string);
        }
      });
    },
  };
}
