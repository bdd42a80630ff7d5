/** How the plugin prints: columns aligned as kubectl aligns them, sizes and ages as oc prints them. */
import { humanDuration } from '../api/human-duration.js';

/** Rows under a header, columns padded to their widest cell plus three spaces (kubectl's tab writer). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3)))
      .join('')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `12.34MiB`, as oc prints image sizes. */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v}B` : `${v.toFixed(2)}${units[u]}`;
}

/** `3 hours ago`-style age of a timestamp (`humanDuration` spelled out), or `unknown`. */
export function ago(ts: string | null | undefined, now = new Date()): string {
  if (!ts) return 'unknown';
  const t = Date.parse(ts);
  if (Number.isNaN(t)) return 'unknown';
  return `${humanDuration(Math.max(0, now.getTime() - t))} ago`;
}

/** The first 12 hex digits of a digest, as `oc` abbreviates image IDs in tables. */
export function shortDigest(digest: string | undefined): string {
  if (!digest) return '';
  const i = digest.indexOf(':');
  return i < 0 ? digest.slice(0, 12) : `${digest.slice(0, i + 1)}${digest.slice(i + 1, i + 13)}`;
}

/** `Key:\tvalue` lines of a describe, the keys padded to one column. */
export function fields(pairs: readonly (readonly [string, string | undefined])[]): string {
  const shown = pairs.filter((p): p is readonly [string, string] => p[1] !== undefined);
  const width = Math.max(...shown.map(([k]) => k.length + 1));
  // A value of several lines continues in the value column.
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v.split('\n').join(`\n${' '.repeat(width + 2)}`)}`).join('\n');
}

export function mapLines(m: Record<string, string> | undefined): string {
  const entries = Object.entries(m ?? {});
  return entries.length === 0 ? '<none>' : entries.map(([k, v]) => `${k}=${v}`).join(', ');
}
