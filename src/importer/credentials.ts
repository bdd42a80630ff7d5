/**
 * Registry credentials from the namespace's pull secrets (`kubernetes.io/dockerconfigjson` with
 * `auths`, `kubernetes.io/dockercfg` without), matched to a registry host the way the kubelet
 * keyring does: the entry's host (scheme and path stripped), Docker Hub's aliases treated as one.
 * Only inline credentials count (`credsStore`/`credHelpers` cannot be used by a server).
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
  lookup(registryHost: string): Credentials | undefined;
}

const HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

function hostOf(key: string): string {
  const noScheme = key.replace(/^[a-z]+:\/\//i, '');
  const host = noScheme.split('/')[0] ?? '';
  return HUB.has(host) ? 'docker.io' : host.toLowerCase();
}

function decodeEntry(e: AuthEntry): Credentials | undefined {
  if (e.username !== undefined && e.password !== undefined) return { username: e.username, password: e.password };
  if (!e.auth) return undefined;
  const text = Buffer.from(e.auth, 'base64').toString('utf8');
  const i = text.indexOf(':');
  return i > 0 ? { username: text.slice(0, i), password: text.slice(i + 1) } : undefined;
}

export function keyringFromSecrets(secrets: readonly SecretLike[]): Keyring {
  const entries: { host: string; creds: Credentials }[] = [];
  for (const s of secrets) {
    const raw = s.type === 'kubernetes.io/dockerconfigjson' ? s.data?.['.dockerconfigjson'] : s.type === 'kubernetes.io/dockercfg' ? s.data?.['.dockercfg'] : undefined;
    if (!raw) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
    } catch {
      continue; // a malformed secret gives no credentials; it never fails the import
    }
    const auths = (s.type === 'kubernetes.io/dockerconfigjson' ? (parsed as { auths?: Record<string, AuthEntry> }).auths : (parsed as Record<string, AuthEntry>)) ?? {};
    for (const [key, entry] of Object.entries(auths)) {
      const creds = decodeEntry(entry);
      if (creds) entries.push({ host: hostOf(key), creds });
    }
  }
  return {
    lookup(registryHost) {
      const host = hostOf(registryHost);
      return entries.find((e) => e.host === host)?.creds;
    },
  };
}
