/**
 * Registry credentials from the namespace's pull secrets (`kubernetes.io/dockerconfigjson` with
 * `auths`, `kubernetes.io/dockercfg` without), matched to an image's repository the way the kubelet
 * keyring does: an entry `host[:port][/path]` matches when every dot-separated part
 * of its host matches the image's (`*` globs within a part, so `*.example.com` matches one level),
 * the ports are equal, and its path is a prefix of the repository path. The most specific entry wins
 * (entries are tried in reverse key order, so `quay.io/team` before `quay.io`); Docker Hub's aliases
 * count as one host. Only inline credentials count (`credsStore`/`credHelpers` cannot be used by a
 * server).
 */
import type { Credentials } from './registry-client.js';

interface SecretLike {
  type?: string;
  data?: Record<string, string>;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
}

export interface Keyring {
  /** Credentials for `repository` (`org/app`) on `registryHost` (`quay.io`, `host:5000`). */
  lookup(registryHost: string, repository?: string): Credentials | undefined;
}

const HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

interface Location {
  readonly host: string;
  readonly port: string;
  readonly path: string;
}

/** `https://host:port/path/` or `host/path` → its parts; Docker Hub's `index.docker.io/v1/` is the hub itself. */
function locate(key: string): Location {
  const noScheme = key.replace(/^[a-z]+:\/\//i, '').toLowerCase();
  const slash = noScheme.indexOf('/');
  const hostPort = slash < 0 ? noScheme : noScheme.slice(0, slash);
  let path = slash < 0 ? '' : noScheme.slice(slash + 1).replace(/\/+$/, '');
  const colon = hostPort.lastIndexOf(':');
  const rawHost = colon < 0 ? hostPort : hostPort.slice(0, colon);
  const port = colon < 0 ? '' : hostPort.slice(colon + 1);
  const hub = HUB.has(rawHost);
  if (hub && /^v[12]$/.test(path)) path = '';
  return { host: hub ? 'docker.io' : rawHost, port, path };
}

function globPart(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^.]*')}$`,
  );
  return re.test(value);
}

function matches(entry: Location, target: Location): boolean {
  const a = entry.host.split('.');
  const b = target.host.split('.');
  if (a.length !== b.length || !a.every((p, i) => globPart(p, b[i] ?? ''))) return false;
  if (entry.port !== target.port) return false;
  return entry.path === '' || target.path === entry.path || target.path.startsWith(`${entry.path}/`);
}

function decodeEntry(e: AuthEntry): Credentials | undefined {
  if (e.username !== undefined && e.password !== undefined) return { username: e.username, password: e.password };
  if (!e.auth) return undefined;
  const text = Buffer.from(e.auth, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i > 0 ? { username: text.slice(0, i), password: text.slice(i + 1) } : undefined;
}

export function keyringFromSecrets(secrets: readonly SecretLike[]): Keyring {
  const entries: { key: string; at: Location; creds: Credentials }[] = [];
  for (const s of secrets) {
    const raw =
      s.type === 'kubernetes.io/dockerconfigjson' ? s.data?.['.dockerconfigjson'] : s.type === 'kubernetes.io/dockercfg' ? s.data?.['.dockercfg'] : undefined;
    if (!raw) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
    } catch {
      continue; // a malformed secret gives no credentials; it never fails the import
    }
    const auths =
      (s.type === 'kubernetes.io/dockerconfigjson' ? (parsed as { auths?: Record<string, AuthEntry> }).auths : (parsed as Record<string, AuthEntry>)) ?? {};
    for (const [key, entry] of Object.entries(auths)) {
      const creds = decodeEntry(entry);
      if (creds) {
        const at = locate(key);
        entries.push({ key: `${at.host}${at.port ? `:${at.port}` : ''}${at.path ? `/${at.path}` : ''}`, at, creds });
      }
    }
  }
  // Most specific first; among equal keys the first secret listed wins (the sort is stable).
  entries.sort((x, y) => (x.key < y.key ? 1 : x.key > y.key ? -1 : 0));
  return {
    lookup(registryHost, repository = '') {
      const target = locate(`${registryHost}/${repository}`);
      return entries.find((e) => matches(e.at, target))?.creds;
    },
  };
}
