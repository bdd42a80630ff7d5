/**
 * The kubectl plugin as a user runs it: the real kubectl finds `kubectl-image` on PATH and runs
 * it against the real server; images come from the real distribution registry and from pushes
 * into the integrated one. Each verb's output is checked as a person reads it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushImage, startRegistry, type PushedImage, type Registry } from '../support/registry.js';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { OciLayout } from '../support/skopeo.js';

const BIN = new URL('../../bin', import.meta.url).pathname;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('kubectl image (the plugin)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-image-'));
  let server: ServerProcess;
  let registry: Registry;
  let v1: PushedImage;

  function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, {
        env: { ...process.env, PATH: `${BIN}:${process.env['PATH'] ?? ''}`, KUBECONFIG: server.kubeconfig, KUBECTL_COMMAND_HEADERS: 'false', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
  const image = (args: string[], env?: Record<string, string>) => run('kubectl', ['image', ...args], env);
  const ok = async (args: string[]) => {
    const r = await image(args);
    assert.equal(r.code, 0, `kubectl image ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    registry = await startRegistry();
    v1 = await pushImage(registry.host, 'team/app', 'v1', { seed: 'plugin-v1' });
    await pushImage(registry.host, 'team/app', 'v2', { seed: 'plugin-v2' });
    // No grace for blobs: the prune test collects what it pushed a moment ago.
    server = await startServerProcess({ args: ['--import-allowed-networks', '127.0.0.0/8', '--registry-gc-grace', '0s'] });
    for (const ns of ['plug', 'other'])
      assert.equal((await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } })).status, 201);
  });

  after(async () => {
    await server?.stop();
    server?.cleanup();
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is found by kubectl, and every verb has --help with an example', async () => {
    const list = await run('kubectl', ['plugin', 'list']);
    assert.match(list.stdout, /kubectl-image/);
    for (const verb of [
      ['import-image'],
      ['tag'],
      ['describe'],
      ['rollback'],
      ['set', 'image-lookup'],
      ['registry', 'login'],
      ['registry', 'info'],
      ['image', 'info'],
      ['prune', 'images'],
    ]) {
      const help = await image([...verb, '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /Usage: kubectl image/);
      assert.match(help.stdout, /Examples?:\n {2}kubectl image|Example:\n {2}podman/, `${verb.join(' ')} has an example`);
    }
  });

  it('import-image refuses a new stream without --confirm, then imports and lists the tag', async () => {
    const refused = await image(['-n', 'plug', 'import-image', 'app:v1', `--from=${registry.host}/team/app:v1`, '--insecure']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /does not exist; add --confirm to create it/);
    const out = await ok(['-n', 'plug', 'import-image', 'app:v1', `--from=${registry.host}/team/app:v1`, '--insecure', '--confirm']);
    assert.match(out, /^imagestream\.image\.openshift\.io\/app imported\n/);
    assert.match(out, /TAG\s+DIGEST\s+SIZE\s+PLATFORM\s+AGE/);
    assert.match(out, new RegExp(`v1\\s+${v1.digest.slice(0, 19)}\\s+\\S+\\s+linux/amd64\\s+`));
  });

  it('import-image --all imports every tag of a repository', async () => {
    const out = await ok(['-n', 'plug', 'import-image', 'mirror', `--from=${registry.host}/team/app`, '--all', '--insecure', '--confirm']);
    assert.match(out, /\nv1\s+sha256:/);
    assert.match(out, /\nv2\s+sha256:/);
  });

  it('tag copies the current image, follows with --alias, crosses namespaces, and removes with -d', async () => {
    assert.match(await ok(['-n', 'plug', 'tag', 'app:v1', 'app:stable']), new RegExp(`^Tag app:stable set to plug/app@${v1.digest}\\.`));
    assert.match(await ok(['-n', 'plug', 'tag', 'app:v1', 'app:follow', '--alias']), /^Tag app:follow set to plug\/app:v1\./);
    assert.match(await ok(['-n', 'plug', 'tag', 'app:v1', 'other/copied:v1']), /^Tag copied:v1 set to plug\/app@sha256:/);
    const copied = (await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/other/imagestreamtags/copied:v1')).json<{
      image: { metadata: { name: string } };
    }>();
    assert.equal(copied.image.metadata.name, v1.digest);
    assert.match(await ok(['-n', 'plug', 'tag', '-d', 'app:follow']), /^Deleted tag plug\/app:follow\./);
    assert.equal((await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/plug/imagestreamtags/app:follow')).status, 404);
  });

  it('describe is prints each tag’s source and its history as a timeline; describe istag the image', async () => {
    // A second import of v1 after the upstream tag moved gives the tag a history of two.
    await pushImage(registry.host, 'team/app', 'v1', { seed: 'plugin-v1-again' });
    await ok(['-n', 'plug', 'import-image', 'app:v1', '--insecure']);
    const is = await ok(['-n', 'plug', 'describe', 'is', 'app']);
    assert.match(is, /^Name:\s+app\nNamespace:\s+plug\n/);
    assert.match(is, /Unique Images:\s+2/);
    assert.match(
      is,
      new RegExp(
        `\\nv1\\n  tagged from ${registry.host}/team/app:v1\\n  \\* ${registry.host}/team/app@sha256:[0-9a-f]{64}\\n      .* ago\\n    ${registry.host}/team/app@${v1.digest}\\n      .* ago \\(revision 1\\)`,
      ),
    );
    const istag = await ok(['-n', 'plug', 'describe', 'istag', 'app:stable']);
    assert.match(istag, new RegExp(`Image Name:\\s+${v1.digest}`));
    assert.match(istag, /Platform:\s+linux\/amd64/);
    assert.match(istag, /Command:\s+\/bin\/app/);
    assert.match(istag, /Environment:\s+SEED=plugin-v1\n/);
    assert.match(istag, /Layers:\n\s+\S+\s+sha256:[0-9a-f]{64}\s+application\/vnd\.oci\.image\.layer\.v1\.tar\+gzip/);
  });

  it('rollback points the tag back at its previous image', async () => {
    const out = await ok(['-n', 'plug', 'rollback', 'app:v1']);
    assert.equal(out, `Rolled back app:v1 to revision 1 (${v1.digest}).\n`);
    const ist = (await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/plug/imagestreamtags/app:v1')).json<{
      image: { metadata: { name: string } };
    }>();
    assert.equal(ist.image.metadata.name, v1.digest);
    const none = await image(['-n', 'plug', 'rollback', 'app:v1', '--to-revision=9']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /there is no revision 9/);
  });

  it('set image-lookup turns local lookup on and off', async () => {
    assert.equal(await ok(['-n', 'plug', 'set', 'image-lookup', 'app']), 'imagestream.image.openshift.io/app image lookup enabled\n');
    const s = (await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/plug/imagestreams/app')).json<{ spec: { lookupPolicy: { local: boolean } } }>();
    assert.equal(s.spec.lookupPolicy.local, true);
    await ok(['-n', 'plug', 'set', 'image-lookup', 'app', '--enabled=false']);
  });

  it('registry login writes what podman needs to pull with TLS verified', async () => {
    const host = new URL(server.url).host;
    assert.equal(await ok(['registry', 'info']), `${host}\n`);
    const authFile = join(dir, 'auth.json');
    const certs = join(dir, 'certs');
    const out = await ok(['registry', 'login', '--auth-file', authFile, '--certs-dir', certs]);
    assert.match(out, new RegExp(`Saved credentials for ${host} into ${authFile}`));
    assert.ok(JSON.parse(readFileSync(authFile, 'utf8')).auths[host]);
    // A push into the integrated registry, then podman pulls it with the saved login and CA (no --tls-verify=false).
    const layout = new OciLayout();
    layout.tag('real', layout.image('plugin-real'));
    const pushed = await run('skopeo', [
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      `u:${server.token}`,
      `oci:${layout.dir}:real`,
      `docker://${host}/plug/pushed:v1`,
    ]);
    assert.equal(pushed.code, 0, pushed.stderr);
    const pulled = await run('podman', [
      '--root',
      join(dir, 'r'),
      '--runroot',
      join(dir, 'rr'),
      '--storage-driver',
      'vfs',
      'pull',
      '--authfile',
      authFile,
      '--cert-dir',
      join(certs, host),
      `${host}/plug/pushed:v1`,
    ]);
    assert.equal(pulled.code, 0, pulled.stderr);
  });

  it('image info shows an image without importing it', async () => {
    const out = await ok(['-n', 'plug', 'image', 'info', `${registry.host}/team/app:v2`, '--insecure']);
    assert.match(out, /Image Name:\s+sha256:[0-9a-f]{64}/);
    assert.match(out, /Environment:\s+SEED=plugin-v2/);
    assert.equal((await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/plug/imagestreams/image-info')).status, 404, 'nothing was stored');
  });

  it('prune images shows a dry run, then trims history, deletes the old pushed images and their blobs', async () => {
    const host = new URL(server.url).host;
    const digests: string[] = [];
    for (const seed of ['old-1', 'old-2', 'current']) {
      const layout = new OciLayout();
      const d = layout.image(`prune-${seed}`);
      layout.tag('t', d);
      const pushed = await run('skopeo', [
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        `u:${server.token}`,
        `oci:${layout.dir}:t`,
        `docker://${host}/plug/pruned:v1`,
      ]);
      assert.equal(pushed.code, 0, pushed.stderr);
      digests.push(d.digest);
    }
    const dry = await ok(['prune', 'images', '--keep-tag-revisions=1', '--keep-younger-than=0s']);
    assert.match(dry, /^Dry run: add --confirm to remove what is listed\./);
    assert.match(dry, /plug\s+pruned\s+v1\s+2\n/);
    // Other tests left history on plug/app too (its old images were imported, so only --all would delete them).
    assert.match(dry, /Would remove \d+ history entries and 2 images, freeing \S+ \(\d+ blobs\)\./);
    assert.equal((await api(server, 'GET', `/apis/image.openshift.io/v1/images/${digests[0]}`)).status, 200, 'a dry run changes nothing');

    const done = await ok(['prune', 'images', '--keep-tag-revisions=1', '--keep-younger-than=0s', '--confirm']);
    assert.match(done, /^Removed \d+ history entries and deleted 2 images\.\n/);
    assert.match(done, /Deleted [1-9]\d* blobs, freeing /);
    for (const old of digests.slice(0, 2)) assert.equal((await api(server, 'GET', `/apis/image.openshift.io/v1/images/${old}`)).status, 404);
    assert.equal((await api(server, 'GET', `/apis/image.openshift.io/v1/images/${digests[2]}`)).status, 200, 'what the tag points at stays');
    const gone = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', `u:${server.token}`, `docker://${host}/plug/pruned@${digests[0]}`]);
    assert.notEqual(gone.code, 0, 'the old manifest is no longer served');
    const current = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', `u:${server.token}`, `docker://${host}/plug/pruned:v1`]);
    assert.equal(current.code, 0, current.stderr);
  });

  it('honours --context and prints the server’s message with a non-zero exit', async () => {
    const config = readFileSync(server.kubeconfig, 'utf8');
    const withContext = join(dir, 'two-contexts.kubeconfig');
    const ctx = JSON.parse(JSON.stringify(await import('yaml').then((y) => y.parse(config)))) as {
      contexts: { name: string; context: Record<string, string> }[];
      'current-context': string;
    };
    const base = ctx.contexts[0];
    assert.ok(base);
    ctx.contexts.push({ name: 'in-other', context: { ...base.context, namespace: 'other' } });
    writeFileSync(withContext, JSON.stringify(ctx));
    const inOther = await image(['--kubeconfig', withContext, '--context', 'in-other', 'describe', 'is', 'copied']);
    assert.equal(inOther.code, 0, inOther.stderr);
    assert.match(inOther.stdout, /Namespace:\s+other/);
    const missing = await image(['-n', 'plug', 'describe', 'is', 'nope']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'Error from server (NotFound): imagestreams.image.openshift.io "nope" not found\n');
  });
});
