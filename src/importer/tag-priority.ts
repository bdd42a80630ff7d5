/**
 * The order in which a repository's tags are imported (library-go PrioritizeTags): `latest`, then
 * `X.Y` minor versions newest first, then full semantic versions newest first (no `v` prefix before
 * `v`), then everything else in lexical order.
 */
interface Version {
  tag: string;
  parts: number[];
  pre: string;
  v: boolean;
}

const MINOR = /^(v?)(\d+)\.(\d+)(?:-(.+))?$/;
const FULL = /^(v?)(\d+)\.(\d+)\.(\d+)(?:-(.+))?$/;
const MAJOR = /^(v?)(\d+)$/;

function compare(a: Version, b: Version): number {
  for (let i = 0; i < Math.max(a.parts.length, b.parts.length); i++) {
    const d = (b.parts[i] ?? 0) - (a.parts[i] ?? 0);
    if (d !== 0) return d;
  }
  if (a.pre !== b.pre) return a.pre === '' ? -1 : b.pre === '' ? 1 : a.pre < b.pre ? 1 : -1;
  if (a.v !== b.v) return a.v ? 1 : -1;
  return 0;
}

export function prioritizeTags(tags: readonly string[]): string[] {
  const latest: string[] = [];
  const minors: Version[] = [];
  const fulls: Version[] = [];
  const others: string[] = [];
  for (const tag of tags) {
    let m: RegExpExecArray | null;
    if (tag === 'latest') latest.push(tag);
    else if ((m = FULL.exec(tag))) fulls.push({ tag, parts: [Number(m[2]), Number(m[3]), Number(m[4])], pre: m[5] ?? '', v: m[1] === 'v' });
    else if ((m = MINOR.exec(tag))) minors.push({ tag, parts: [Number(m[2]), Number(m[3])], pre: m[4] ?? '', v: m[1] === 'v' });
    else if ((m = MAJOR.exec(tag)) && m[1] === '') minors.push({ tag, parts: [Number(m[2])], pre: '', v: false });
    else others.push(tag);
  }
  return [...latest, ...minors.sort(compare).map((v) => v.tag), ...fulls.sort(compare).map((v) => v.tag), ...others.sort()];
}
