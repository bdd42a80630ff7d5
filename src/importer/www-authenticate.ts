/**
 * WWW-Authenticate challenges (RFC 7235) as registries send them:
 * `Bearer realm="https://auth/token",service="registry",scope="repository:a/b:pull,push"`.
 * Quoted values may contain commas, so the header is scanned, not split.
 */
export interface Challenge {
  readonly scheme: string;
  readonly params: Record<string, string>;
}

export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const s = header;
  const skipSpace = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === ',')) i++;
  };
  while (i < s.length) {
    skipSpace();
    const m = /^[A-Za-z][A-Za-z0-9._~+/-]*/.exec(s.slice(i));
    if (!m) break;
    const scheme = m[0].toLowerCase();
    i += m[0].length;
    const params: Record<string, string> = {};
    for (;;) {
      skipSpace();
      const p = /^([A-Za-z0-9._~+-]+)\s*=\s*/.exec(s.slice(i));
      if (!p?.[1]) break;
      i += p[0].length;
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i++];
        }
        i++;
      } else {
        const v = /^[^,\s]*/.exec(s.slice(i));
        value = v?.[0] ?? '';
        i += value.length;
      }
      params[p[1].toLowerCase()] = value;
    }
    out.push({ scheme, params });
  }
  return out;
}
