/**
 * kube-apiserver's `--token-auth-file`: CSV lines `token,user,uid,"group1,group2"` (groups optional,
 * `#` comments and blank lines ignored). A malformed line stops the server at start, naming the line.
 */
import { readFileSync } from 'node:fs';
import type { UserInfo } from '../api/strategy.js';

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

export function parseTokenFile(text: string, source = 'token file'): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [token = '', name = '', uid = '', groups = ''] = splitCsv(line);
    if (!token || !name) throw new Error(`${source}:${i + 1}: each line needs at least a token and a user name`);
    if (tokens.has(token)) throw new Error(`${source}:${i + 1}: duplicate token`);
    tokens.set(token, {
      name,
      ...(uid ? { uid } : {}),
      groups: groups
        ? groups
            .split(',')
            .map((g) => g.trim())
            .filter(Boolean)
        : [],
    });
  });
  return tokens;
}

export function readTokenFile(path: string): Map<string, UserInfo> {
  return parseTokenFile(readFileSync(path, 'utf8'), path);
}
