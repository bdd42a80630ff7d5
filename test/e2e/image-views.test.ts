/**
 * The life of an image stream through its views, against the real server: a reference tag and a
 * tracking tag, three images mapped to one tag, lookups by digest prefix, layers before and after
 * an image is deleted, tagging and untagging, signatures and pull secrets, and kubectl's tables.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { kubectl } from '../support/kubectl.js';
import type { Status } from '../support/api-status.js';

let server: ServerProcess;
const NS = '/apis/image.openshift.io/v1/namespaces/life';
const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

/** A small OCI image: its manifest, config, and the mapping that records it under `tag`. */
function image(n: number) {
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: [`/app${n}`] } });
  const layer = sha(`layer-${n}`);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: 100 + n }],
  });
  const name = sha(manifest);
  return { name, layer, config: sha(config), manifest, configText: config };
}

const images = [1, 2, 3].map(image);

function mapping(img: ReturnType<typeof image>, tag: string) {
  return {
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStreamMapping',
    metadata: { name: 'app' },
    tag,
    image: {
      metadata: { name: img.name },
      dockerImageReference: `registry.example.com/life/app@${img.name}`,
      dockerImageManifest: img.manifest,
      dockerImageConfig: img.configText,
    },
  };
}

before(async () => {
  server = await startServerProcess();
  const r = await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'life' } } });
  assert.equal(r.status, 201);
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

describe('the life of an image stream', () => {
  it('creates a stream with a reference tag and a tag tracking "latest"', async () => {
    const r = await api(server, 'POST', `${NS}/imagestreams`, {
      body: {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStream',
        metadata: { name: 'app' },
        spec: {
          tags: [
            { name: 'ref', from: { kind: 'DockerImage', name: 'quay.io/x/y:1' }, reference: true },
            { name: 'stable', from: { kind: 'ImageStreamTag', name: 'latest' } },
          ],
        },
      },
    });
    assert.equal(r.status, 201, r.text);
  });

  it('maps three images to latest, answering a Status of code 201 each time', async () => {
    for (const img of images) {
      const r = await api(server, 'POST', `${NS}/imagestreammappings`, { body: mapping(img, 'latest') });
      assert.equal(r.status, 201, r.text);
      const s = r.json<Status>();
      assert.equal(s.kind, 'Status');
      assert.equal(s.status, 'Success');
    }
    const stream = (await api(server, 'GET', `${NS}/imagestreams/app`)).json<{ status: { tags: { tag: string; items: { image: string }[] }[] } }>();
    const latest = stream.status.tags.find((t) => t.tag === 'latest');
    assert.deepEqual(
      latest?.items.map((i) => i.image),
      [images[2]?.name, images[1]?.name, images[0]?.name],
    );
    // the tracking tag followed every push
    assert.equal(stream.status.tags.find((t) => t.tag === 'stable')?.items[0]?.image, images[2]?.name);
  });

  it('answers 404 for a mapping to a stream that does not exist', async () => {
    const r = await api(server, 'POST', `${NS}/imagestreammappings`, {
      body: { ...mapping(images[0] as ReturnType<typeof image>, 'x'), metadata: { name: 'nope' } },
    });
    assert.equal(r.status, 404);
    assert.equal(r.json<Status>().message, 'imagestreams.image.openshift.io "nope" not found');
  });

  it('shows the newest image of a tag as an ImageStreamTag with the derived metadata', async () => {
    const r = await api(server, 'GET', `${NS}/imagestreamtags/app:latest`);
    assert.equal(r.status, 200, r.text);
    const ist = r.json<{
      metadata: { name: string };
      tag: unknown;
      image: { metadata: { name: string }; dockerImageReference: string; dockerImageManifest?: string; dockerImageLayers: { name: string }[] };
    }>();
    assert.equal(ist.metadata.name, 'app:latest');
    assert.equal(ist.tag, null);
    assert.equal(ist.image.metadata.name, images[2]?.name);
    assert.equal(ist.image.dockerImageReference, `registry.example.com/life/app@${images[2]?.name}`);
    assert.equal(ist.image.dockerImageManifest, undefined);
    assert.deepEqual(
      ist.image.dockerImageLayers.map((l) => l.name),
      [images[2]?.layer],
    );
    const list = (await api(server, 'GET', `${NS}/imagestreamtags`)).json<{ items: { metadata: { name: string } }[] }>();
    assert.deepEqual(list.items.map((i) => i.metadata.name).sort(), ['app:latest', 'app:stable']);
  });

  it('answers 404 for a reference tag, which has no image, and 400 for malformed names', async () => {
    const ref = await api(server, 'GET', `${NS}/imagestreamtags/app:ref`);
    assert.equal(ref.status, 404);
    assert.equal(ref.json<Status>().message, 'imagestreamtags.image.openshift.io "app:ref" not found');
    for (const bad of ['app', 'app:a:b', 'app@x']) {
      const r = await api(server, 'GET', `${NS}/imagestreamtags/${encodeURIComponent(bad)}`);
      assert.equal(r.status, 400, bad);
      assert.equal(r.json<Status>().message, 'ImageStreamTags must be retrieved with <name>:<tag>');
    }
    const post = await api(server, 'POST', `${NS}/imagestreamtags`, {
      body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamTag', metadata: { name: 'nocolon' } },
    });
    assert.equal(post.status, 400);
    assert.equal(post.json<Status>().message, 'ImageStreamTags must be retrieved with <name>:<tag>');
    const itag = await api(server, 'GET', `${NS}/imagetags/app`);
    assert.equal(itag.status, 400);
    assert.equal(itag.json<Status>().message, 'ImageTags must be retrieved with <name>:<tag>');
    const isimage = await api(server, 'GET', `${NS}/imagestreamimages/app`);
    assert.equal(isimage.status, 400);
    assert.equal(isimage.json<Status>().message, 'ImageStreamImages must be retrieved with <name>@<id>');
  });

  it('shows every tag with its history as ImageTags', async () => {
    const r = await api(server, 'GET', `${NS}/imagetags/app:latest`);
    assert.equal(r.status, 200, r.text);
    const itag = r.json<{ spec: unknown; status: { items: unknown[] }; image: { metadata: { name: string } } }>();
    assert.equal(itag.spec, null);
    assert.equal(itag.status.items.length, 3);
    assert.equal(itag.image.metadata.name, images[2]?.name);
    const ref = (await api(server, 'GET', `${NS}/imagetags/app:ref`)).json<{ spec: { name: string }; image: unknown }>();
    assert.equal(ref.spec.name, 'ref');
    assert.equal(ref.image, null);
  });

  it('finds older images by digest prefix and answers 409 naming the matches for an ambiguous one', async () => {
    const first = images[0]?.name ?? '';
    const r = await api(server, 'GET', `${NS}/imagestreamimages/app@${first.slice(7, 19)}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json<{ image: { metadata: { name: string } } }>().image.metadata.name, first);
    const ambiguous = await api(server, 'GET', `${NS}/imagestreamimages/app@sha256:`);
    assert.equal(ambiguous.status, 409);
    assert.match(ambiguous.json<Status>().message ?? '', /multiple images match the prefix "sha256:"/);
    const missing = await api(server, 'GET', `${NS}/imagestreamimages/app@0000000000`);
    assert.equal(missing.status, 404);
    assert.equal(missing.json<Status>().message, 'imagestreamimage.image.openshift.io "app@0000000000" not found');
  });

  it('reads layers across the history, and marks a deleted image as missing', async () => {
    const before = (await api(server, 'GET', `${NS}/imagestreams/app/layers`)).json<{
      blobs: Record<string, { size: number | null; mediaType: string }>;
      images: Record<string, { imageMissing: boolean; layers: string[]; config: string | null }>;
    }>();
    const first = images[0] as ReturnType<typeof image>;
    assert.deepEqual(before.images[first.name], { imageMissing: false, layers: [first.layer], config: first.config });
    assert.deepEqual(before.blobs[first.layer], { size: 101, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' });
    assert.equal(Object.keys(before.images).length, 3);
    const del = await api(server, 'DELETE', `/apis/image.openshift.io/v1/images/${first.name}`);
    assert.equal(del.status, 200);
    const afterDelete = (await api(server, 'GET', `${NS}/imagestreams/app/layers`)).json<{ images: Record<string, unknown> }>();
    // `layers` and `config` have no omitempty in the Go type: a missing image reads them as null.
    assert.deepEqual(afterDelete.images[first.name], { imageMissing: true, layers: null, config: null });
  });

  it('tags through imagestreamtags, refusing a second create with 409', async () => {
    const body = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamTag',
      metadata: { name: 'app:v2' },
      tag: { name: 'v2', from: { kind: 'DockerImage', name: 'quay.io/x/y:2' }, reference: true },
    };
    const r = await api(server, 'POST', `${NS}/imagestreamtags`, { body });
    assert.equal(r.status, 201, r.text);
    const again = await api(server, 'POST', `${NS}/imagestreamtags`, { body });
    assert.equal(again.status, 409);
    assert.equal(again.json<Status>().message, 'imagestreamtag.image.openshift.io "app:v2" already exists');
    const stream = (await api(server, 'GET', `${NS}/imagestreams/app`)).json<{ spec: { tags: { name: string }[] } }>();
    assert.ok(stream.spec.tags.some((t) => t.name === 'v2'));
    // creating a tag in a stream that does not exist creates the stream
    const fresh = await api(server, 'POST', `${NS}/imagestreamtags`, { body: { ...body, metadata: { name: 'other:v1' }, tag: { ...body.tag, name: 'v1' } } });
    assert.equal(fresh.status, 201, fresh.text);
    assert.equal((await api(server, 'GET', `${NS}/imagestreams/other`)).status, 200);
  });

  it('untags by deleting the ImageStreamTag, which removes spec and history', async () => {
    const r = await api(server, 'DELETE', `${NS}/imagestreamtags/app:latest`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json<Status>().status, 'Success');
    assert.equal((await api(server, 'GET', `${NS}/imagestreamtags/app:latest`)).status, 404);
    assert.equal((await api(server, 'DELETE', `${NS}/imagestreamtags/app:latest`)).status, 404);
    const stream = (await api(server, 'GET', `${NS}/imagestreams/app`)).json<{ status: { tags: { tag: string }[] } }>();
    assert.ok(!stream.status.tags.some((t) => t.tag === 'latest'));
  });

  it('removes only the spec tag when an ImageTag is updated with spec: null', async () => {
    const current = (await api(server, 'GET', `${NS}/imagetags/app:ref`)).json<Record<string, unknown>>();
    const r = await api(server, 'PUT', `${NS}/imagetags/app:ref`, { body: { ...current, spec: null } });
    assert.equal(r.status, 200, r.text);
    const after = (await api(server, 'GET', `${NS}/imagetags/app:ref`)).json<{ spec: unknown; status: { items: unknown[] } }>();
    assert.equal(after.spec, null);
    assert.equal(after.status.items.length, 1);
  });

  it('adds and removes image signatures, refusing duplicates', async () => {
    const img = images[1]?.name ?? '';
    const sig = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageSignature',
      metadata: { name: `${img}@sig1` },
      type: 'atomic',
      content: Buffer.from('signed').toString('base64'),
    };
    const r = await api(server, 'POST', '/apis/image.openshift.io/v1/imagesignatures', { body: sig });
    assert.equal(r.status, 201, r.text);
    const dup = await api(server, 'POST', '/apis/image.openshift.io/v1/imagesignatures', { body: { ...sig, metadata: { name: `${img}@sig2` } } });
    assert.equal(dup.status, 409);
    assert.equal(dup.json<Status>().message, `imageSignatures.image.openshift.io "${img}@sig2" already exists`);
    const sameName = await api(server, 'POST', '/apis/image.openshift.io/v1/imagesignatures', {
      body: { ...sig, content: Buffer.from('other').toString('base64') },
    });
    assert.equal(sameName.status, 409, 'a second signature under the same name');
    const stored = (await api(server, 'GET', `/apis/image.openshift.io/v1/images/${img}`)).json<{ signatures: { metadata: { name: string } }[] }>();
    assert.deepEqual(
      stored.signatures.map((s) => s.metadata.name),
      [`${img}@sig1`],
    );
    const badName = await api(server, 'POST', '/apis/image.openshift.io/v1/imagesignatures', { body: { ...sig, metadata: { name: 'nosig' } } });
    assert.equal(badName.status, 422);
    assert.equal((await api(server, 'DELETE', `/apis/image.openshift.io/v1/imagesignatures/${img}@sig1`)).status, 200);
    assert.equal((await api(server, 'DELETE', `/apis/image.openshift.io/v1/imagesignatures/${img}@sig1`)).status, 404);
  });

  it('lists the namespace pull secrets, without excluded ones, under imagestreams/{name}/secrets', async () => {
    const cfg = Buffer.from(JSON.stringify({ auths: { 'r.example.com': { auth: Buffer.from('u:p').toString('base64') } } })).toString('base64');
    const legacy = Buffer.from(JSON.stringify({ 'r.example.com': { auth: Buffer.from('u:p').toString('base64') } })).toString('base64');
    const secret = (name: string, type: string, annotations: Record<string, string> = {}) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, annotations, labels: { team: name.startsWith('legacy') ? 'old' : 'new' } },
      type,
      data: type === 'Opaque' ? { a: 'Yg==' } : type === 'kubernetes.io/dockercfg' ? { '.dockercfg': legacy } : { '.dockerconfigjson': cfg },
    });
    for (const s of [
      secret('pull', 'kubernetes.io/dockerconfigjson'),
      secret('legacy-pull', 'kubernetes.io/dockercfg'),
      secret('excluded', 'kubernetes.io/dockerconfigjson', { 'openshift.io/image.excludeSecret': 'true' }),
      secret('opaque', 'Opaque'),
    ]) {
      assert.equal((await api(server, 'POST', '/api/v1/namespaces/life/secrets', { body: s })).status, 201);
    }
    const r = await api(server, 'GET', `${NS}/imagestreams/anything/secrets`);
    assert.equal(r.status, 200, r.text);
    const list = r.json<{ kind: string; apiVersion: string; items: { metadata: { name: string } }[] }>();
    assert.equal(list.kind, 'SecretList');
    assert.equal(list.apiVersion, 'image.openshift.io/v1');
    assert.deepEqual(
      list.items.map((i) => i.metadata.name),
      ['legacy-pull', 'pull'],
    );
    // List options apply, as to any list.
    const selected = await api(server, 'GET', `${NS}/imagestreams/anything/secrets?labelSelector=team%3Dold`);
    assert.deepEqual(
      selected.json<{ items: { metadata: { name: string } }[] }>().items.map((i) => i.metadata.name),
      ['legacy-pull'],
    );
  });

  it('prints istag, itag and isimage tables with kubectl', async () => {
    const k = (args: string[]) => kubectl(server.kubeconfig, ['-n', 'life', ...args]);
    const istag = await k(['get', 'istag']);
    assert.equal(istag.code, 0, istag.stderr);
    assert.match(istag.stdout, /^NAME\s+IMAGE REFERENCE\s+UPDATED/m);
    assert.match(istag.stdout, /^app:stable\s+registry\.example\.com\/life\/app@sha256:/m);
    const itag = await k(['get', 'itag']);
    assert.equal(itag.code, 0, itag.stderr);
    assert.match(itag.stdout, /^NAME\s+SPEC\s+STATUS\s+HISTORY\s+UPDATED/m);
    assert.match(itag.stdout, /^app:stable\s+Track\s+image\/sha256:/m);
    const isimage = await k(['get', 'isimage', `app@${(images[2]?.name ?? '').slice(7, 17)}`]);
    assert.equal(isimage.code, 0, isimage.stderr);
    assert.match(isimage.stdout, /^NAME\s+UPDATED/m);
  });
});

describe('editing tags through the views', () => {
  const IST = `${NS}/imagestreamtags`;
  const ITAG = `${NS}/imagetags`;
  const tagBody = (name: string, tag: string, from: string) => ({
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStreamTag',
    metadata: { name },
    tag: { name: tag, from: { kind: 'DockerImage', name: from }, reference: true },
  });

  it('updates a spec tag with PUT, refuses a stale resourceVersion with 409, and patches it', async () => {
    assert.equal((await api(server, 'POST', IST, { body: tagBody('edit:a', 'a', 'quay.io/e/a:1') })).status, 201);
    const current = (await api(server, 'GET', `${NS}/imagestreams/edit`)).json<{ metadata: { resourceVersion: string } }>();
    const put = await api(server, 'PUT', `${IST}/edit:a`, {
      body: { ...tagBody('edit:a', 'a', 'quay.io/e/a:2'), metadata: { name: 'edit:a', annotations: { note: 'x' } } },
    });
    assert.equal(put.status, 200, put.text);
    const stream = (await api(server, 'GET', `${NS}/imagestreams/edit`)).json<{
      spec: { tags: { name: string; from: { name: string }; annotations: Record<string, string> }[] };
    }>();
    assert.equal(stream.spec.tags[0]?.from.name, 'quay.io/e/a:2');
    assert.deepEqual(stream.spec.tags[0]?.annotations, { note: 'x' });
    const stale = await api(server, 'PUT', `${IST}/edit:a`, {
      body: { ...tagBody('edit:a', 'a', 'quay.io/e/a:3'), metadata: { name: 'edit:a', resourceVersion: current.metadata.resourceVersion } },
    });
    assert.equal(stale.status, 409);
    assert.match(stale.json<Status>().message ?? '', /another caller has updated the resource version to/);
    const patch = await api(server, 'PATCH', `${IST}/edit:a`, {
      body: { tag: { from: { kind: 'DockerImage', name: 'quay.io/e/a:4' } } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(patch.status, 200, patch.text);
    const after = (await api(server, 'GET', `${ITAG}/edit:a`)).json<{
      spec: { from: { name: string } };
      status: { items: { dockerImageReference: string }[] };
    }>();
    assert.equal(after.spec.from.name, 'quay.io/e/a:4');
    assert.equal(after.status.items[0]?.dockerImageReference, 'quay.io/e/a:4');
  });

  it('answers 201 to a PUT that creates the spec tag, and 422 to one that changes the labels', async () => {
    assert.equal((await api(server, 'POST', IST, { body: tagBody('put:a', 'a', 'quay.io/p/a:1') })).status, 201);
    const added = await api(server, 'PUT', `${IST}/put:b`, { body: tagBody('put:b', 'b', 'quay.io/p/b:1') });
    assert.equal(added.status, 201, added.text);
    const again = await api(server, 'PUT', `${IST}/put:b`, { body: tagBody('put:b', 'b', 'quay.io/p/b:2') });
    assert.equal(again.status, 200, again.text);
    const relabel = await api(server, 'PUT', `${IST}/put:b`, {
      body: { ...tagBody('put:b', 'b', 'quay.io/p/b:3'), metadata: { name: 'put:b', labels: { other: 'x' } } },
    });
    assert.equal(relabel.status, 422, relabel.text);
    assert.equal(
      relabel.json<Status>().message,
      'ImageStreamTag.image.openshift.io "put:b" is invalid: metadata: Invalid value: "": may not update fields other than metadata.annotations',
    );
    const stream = (await api(server, 'GET', `${NS}/imagestreams/put`)).json<{ spec: { tags: { name: string; from: { name: string } }[] } }>();
    assert.equal(stream.spec.tags.find((t) => t.name === 'b')?.from.name, 'quay.io/p/b:2', 'the refused write changed nothing');
  });

  it('answers 400 when a PUT without a tag targets a tag that is not in spec', async () => {
    const r = await api(server, 'PUT', `${IST}/edit:ghost`, {
      body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStreamTag', metadata: { name: 'edit:ghost' } },
    });
    assert.equal(r.status, 400);
    assert.equal(r.json<Status>().message, 'imagestreamtag ghost is not a spec tag in imagestream life/edit, cannot be updated');
  });

  it('creates, lists, patches and deletes ImageTags', async () => {
    const body = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageTag',
      metadata: { name: 'edit:b' },
      spec: { name: 'b', from: { kind: 'DockerImage', name: 'quay.io/e/b:1' }, reference: true },
    };
    const created = await api(server, 'POST', ITAG, { body });
    assert.equal(created.status, 201, created.text);
    assert.equal((await api(server, 'POST', ITAG, { body })).status, 409);
    const noSpec = await api(server, 'POST', ITAG, { body: { ...body, metadata: { name: 'edit:c' }, spec: undefined } });
    assert.equal(noSpec.status, 422);
    assert.match(noSpec.json<Status>().message ?? '', /spec: Required value: spec is a required field during creation/);
    const list = (await api(server, 'GET', ITAG)).json<{ items: { metadata: { name: string } }[] }>();
    assert.ok(list.items.some((i) => i.metadata.name === 'edit:b'));
    const patched = await api(server, 'PATCH', `${ITAG}/edit:b`, {
      body: { spec: { from: { kind: 'DockerImage', name: 'quay.io/e/b:2' } } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json<{ spec: { from: { name: string } } }>().spec.from.name, 'quay.io/e/b:2');
    const current = (await api(server, 'GET', `${ITAG}/edit:b`)).json<{ metadata: Record<string, unknown> }>();
    const relabel = await api(server, 'PUT', `${ITAG}/edit:b`, { body: { ...current, metadata: { ...current.metadata, labels: { new: 'label' } } } });
    assert.equal(relabel.status, 422);
    assert.match(relabel.json<Status>().message ?? '', /metadata: Invalid value: "": may not update fields other than spec/);
    assert.equal((await api(server, 'DELETE', `${ITAG}/edit:b`)).status, 200);
    assert.equal((await api(server, 'GET', `${ITAG}/edit:b`)).status, 404);
  });
});

describe('kubectl and the create-only kinds', () => {
  it('creates a mapping and a signature with kubectl create -f, validated against the OpenAPI v2 schemas', async () => {
    const k = (args: string[], stdin?: string) => kubectl(server.kubeconfig, args, stdin === undefined ? {} : { stdin });
    const img = image(9);
    const created = await k(['-n', 'life', 'create', '-f', '-'], JSON.stringify(mapping(img, 'kubectl')));
    assert.equal(created.code, 0, created.stderr);
    const ist = await api(server, 'GET', `${NS}/imagestreamtags/app:kubectl`);
    assert.equal(ist.json<{ image: { metadata: { name: string } } }>().image.metadata.name, img.name);
    const bogus = await k(['-n', 'life', 'create', '-f', '-'], JSON.stringify({ ...mapping(img, 'kubectl'), bogus: 1 }));
    assert.notEqual(bogus.code, 0);
    assert.match(bogus.stderr, /unknown field "bogus"/);
    const sig = { apiVersion: 'image.openshift.io/v1', kind: 'ImageSignature', metadata: { name: `${img.name}@k1` }, type: 'atomic', content: 'YWJj' };
    const signed = await k(['create', '-f', '-'], JSON.stringify(sig));
    assert.equal(signed.code, 0, signed.stderr);
    const deleted = await k(['delete', 'imagesignature', `${img.name}@k1`]);
    assert.equal(deleted.code, 0, deleted.stderr);
  });
});
