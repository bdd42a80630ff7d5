/**
 * `kubectl image registry login|info`: the integrated registry as `oc registry` shows it. `login`
 * writes what podman and skopeo need to push and pull: the credentials (the kubeconfig's token;
 * the registry accepts any user name with it) into their auth file, and the server's CA (and a
 * client certificate, for a kubeconfig that authenticates with one) into their certs.d directory.
 */
import type { Command } from 'commander';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, connect, type GlobalOptions, type Kube } from '../kube.js';
import type { Output } from '../output.js';

/** The registry's host:port: the cluster image config's internalRegistryHostname, else the API server's own address. */
export async function registryHost(k: Kube): Promise<string> {
  try {
    const config = (await k.api.getClusterCustomObject({ group: 'config.openshift.io', version: 'v1', plural: 'images', name: 'cluster' })) as {
      status?: { internalRegistryHostname?: string };
    };
    if (config.status?.internalRegistryHostname) return config.status.internalRegistryHostname;
  } catch {
    // Not allowed to read the cluster config: the API server's address is the registry's by default.
  }
  return new URL(k.server).host;
}

/** Where podman and skopeo look for credentials first. */
function defaultAuthFile(): string {
  if (process.env['REGISTRY_AUTH_FILE']) return process.env['REGISTRY_AUTH_FILE'];
  if (process.env['XDG_RUNTIME_DIR']) return join(process.env['XDG_RUNTIME_DIR'], 'containers', 'auth.json');
  return join(homedir(), '.docker', 'config.json');
}

/** Where podman and skopeo look for a registry's CA: the system's as root, the user's otherwise. */
function defaultCertsDir(): string {
  return process.getuid?.() === 0 ? '/etc/containers/certs.d' : join(homedir(), '.config', 'containers', 'certs.d');
}

function pem(data: string | undefined, file: string | undefined): string | undefined {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  return file ? readFileSync(file, 'utf8') : undefined;
}

export function registerRegistry(program: Command, globals: () => GlobalOptions, out: Output): void {
  const registry = program.command('registry').description('The integrated registry: where it is, and logging podman and skopeo in to it');
  registry
    .command('info')
    .description('Print the integrated registry’s address')
    .addHelpText('after', '\nExample:\n  podman push $(kubectl image registry info)/myproject/app:1.0')
    .action(async () => {
      out.print(await registryHost(connect(globals())));
    });
  registry
    .command('login')
    .description('Save credentials and the server’s CA for podman and skopeo')
    .option('--registry <host:port>', 'the registry to log in to (default: the integrated registry)')
    .option('--auth-file <file>', 'credentials file to write (default: REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR/containers/auth.json, or ~/.docker/config.json)')
    .option('--certs-dir <dir>', 'where to write the CA (default: /etc/containers/certs.d as root, ~/.config/containers/certs.d otherwise)')
    .addHelpText('after', '\nExamples:\n  kubectl image registry login\n  podman push $(kubectl image registry info)/myproject/app:1.0')
    .action(async (o: { registry?: string; authFile?: string; certsDir?: string }) => {
      const k = connect(globals());
      const host = o.registry ?? (await registryHost(k));
      const user = k.config.getCurrentUser();
      const cluster = k.config.getCurrentCluster();
      const token = user?.token;
      const cert = pem(user?.certData, user?.certFile);
      const key = pem(user?.keyData, user?.keyFile);
      if (!token && !(cert && key)) throw new CliError('error: the kubeconfig user has neither a token nor a client certificate to log in with');
      const certs = join(o.certsDir ?? defaultCertsDir(), host);
      const ca = pem(cluster?.caData, cluster?.caFile);
      if (ca || (cert && key)) mkdirSync(certs, { recursive: true });
      if (ca) {
        writeFileSync(join(certs, 'ca.crt'), ca);
        out.print(`Saved the server's CA for ${host} into ${join(certs, 'ca.crt')}`);
      }
      if (token) {
        const file = o.authFile ?? defaultAuthFile();
        let existing: { auths?: Record<string, unknown> } = {};
        try {
          existing = JSON.parse(readFileSync(file, 'utf8')) as typeof existing;
        } catch {
          existing = {};
        }
        const auths = { ...(existing.auths ?? {}), [host]: { auth: Buffer.from(`${user?.name || 'user'}:${token}`).toString('base64') } };
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        writeFileSync(file, `${JSON.stringify({ ...existing, auths }, null, 2)}\n`, { mode: 0o600 });
        out.print(`Saved credentials for ${host} into ${file}`);
      } else if (cert && key) {
        // podman and skopeo present a certificate they find in the registry's certs.d directory.
        writeFileSync(join(certs, 'client.cert'), cert);
        writeFileSync(join(certs, 'client.key'), key, { mode: 0o600 });
        out.print(`Saved the client certificate for ${host} into ${certs}`);
      }
    });
}
