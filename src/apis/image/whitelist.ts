/**
 * The import allow-list (`allowedRegistriesForImport`), matched as the reference does: entries are
 * host[:port] globs (`*` any run, `?` one character) matched against the whole host and port, the
 * port defaults by transport (443 secure, 80 insecure), an empty list allows every registry, the
 * internal registry is always allowed, and repositories an object already held stay allowed.
 */
import { dockerClientDefaults, nameString, parseDockerImageReference, registryHostPort, type DockerImageReference } from './reference.js';

export type Transport = 'secure' | 'insecure' | 'any';

export interface RegistryWhitelister {
  /** Error message when not admitted, undefined when admitted. */
  admitHostname(hostname: string, transport: Transport): string | undefined;
  admitReference(ref: DockerImageReference, transport: Transport): string | undefined;
  admitPullSpec(pullSpec: string, transport: Transport): string | undefined;
  /** A whitelister that also admits these repositories (the old object's references), any tag or digest. */
  withRepositories(pullSpecs: readonly string[]): RegistryWhitelister;
}

interface Entry {
  host: string;
  port: string;
}

function glob(pattern: string): RegExp {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}

function splitHostPort(s: string): { host: string; port: string } {
  const i = s.lastIndexOf(':');
  return i >= 0 ? { host: s.slice(0, i), port: s.slice(i + 1) } : { host: s, port: '' };
}

const canonicalRepository = (r: DockerImageReference) => nameString(dockerClientDefaults({ ...r, tag: '', id: '' }));

function describe(entries: readonly Entry[]): string {
  const shown = entries.length > 5 ? entries.slice(0, 4) : entries;
  const text = shown.map((e) => `"${e.host}:${e.port}"`).join(', ');
  return entries.length > 5 ? `${text}, and ${entries.length - 4} more ...` : text;
}

function build(entries: readonly Entry[] | undefined, repositories: ReadonlySet<string>): RegistryWhitelister {
  const matchers = (entries ?? []).map((e) => ({ host: glob(e.host), port: glob(e.port) }));

  const admitHostPort = (label: string, host: string, port: string, transport: Transport): string | undefined => {
    if (!entries) return undefined;
    const hosts = host === 'index.docker.io' || host === 'registry-1.docker.io' ? ['docker.io', host] : [host];
    const ports = port ? [port] : transport === 'insecure' ? ['80'] : transport === 'secure' ? ['443'] : ['80', '443', '*'];
    for (const h of hosts) {
      for (const m of matchers) {
        if (!m.host.test(h)) continue;
        if (ports.some((p) => m.port.test(p) || (transport === 'any' && !port && m.port.source === '^.*$'))) return undefined;
      }
    }
    if (entries.length === 0) return `registry "${label}" not allowed by empty whitelist`;
    return `registry "${label}" not allowed by whitelist: ${describe(entries)}`;
  };

  const self: RegistryWhitelister = {
    admitHostname(hostname, transport) {
      const { host, port } = splitHostPort(hostname);
      return admitHostPort(hostname, host, port, transport);
    },
    admitReference(ref, transport) {
      if (!entries) return undefined;
      if (repositories.has(canonicalRepository(ref))) return undefined;
      const explicitPort = /:[0-9]+$/.test(ref.registry);
      const hp = registryHostPort(ref, transport === 'insecure');
      const port = explicitPort ? hp.port : transport === 'any' ? '' : hp.port;
      const label = ref.registry || `${hp.host === 'registry-1.docker.io' ? 'docker.io' : hp.host}:${hp.port}`;
      return admitHostPort(label, hp.host, port, transport);
    },
    admitPullSpec(pullSpec, transport) {
      let ref: DockerImageReference;
      try {
        ref = parseDockerImageReference(pullSpec);
      } catch (e) {
        return (e as Error).message;
      }
      return self.admitReference(ref, transport);
    },
    withRepositories(pullSpecs) {
      const more = new Set(repositories);
      for (const spec of pullSpecs) {
        try {
          more.add(canonicalRepository(parseDockerImageReference(spec)));
        } catch {
          // an unparseable old reference whitelists nothing
        }
      }
      return build(entries, more);
    },
  };
  return self;
}

/**
 * `allowed` undefined or empty: everything is allowed. The internal registry hostname, when known,
 * is always allowed (and listed first in messages).
 */
export function createWhitelister(
  allowed: readonly { domainName?: string; insecure?: boolean }[] | undefined,
  opts: { internalRegistryHostname?: string } = {},
): RegistryWhitelister {
  if (!allowed || allowed.length === 0) return build(undefined, new Set());
  const entries: Entry[] = [];
  const add = (domainName: string, insecure: boolean) => {
    const { host, port } = splitHostPort(domainName);
    entries.push({ host, port: port || (insecure ? '80' : '443') });
  };
  if (opts.internalRegistryHostname) add(opts.internalRegistryHostname, false);
  for (const a of allowed) if (a.domainName) add(a.domainName, a.insecure ?? false);
  return build(entries, new Set());
}
