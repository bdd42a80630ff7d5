/**
 * The rules behind the image stream views, against the real server over HTTPS (and the real
 * kubectl): spec tags whose source is another stream's tag or an image by digest (resolved when the
 * spec tag is set, re-homed into this stream when they come from the integrated registry), the
 * fields an ImageStreamTag derives from its stream and spec tag (lookup policy, uid and resource
 * version, annotations, the `Local` reference policy), every kubectl verb a user runs on the views,
 * mappings of images that already exist (the Image is never modified), and lookups of the children
 * of a manifest list through imagestreamimages.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import YAML from 'yaml';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { kubectl } from '../support/kubectl.js';
import type { Status } from '../support/api-status.js';

let server: ServerProcess;
const NSNAME = 'rules';
const OTHERNAME = 'rules-other';
const IR = 'registry.internal:5000';
const V1 = '/apis/image.openshift.io/v1';
const NS = `${V1}/namespaces/${NSNAME}`;
const OTHER = `${V1}/namespaces/${OTHERNAME}`;
const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

interface TagEvent {
  created: string;
  dockerImageReference: string;
  image: string;
  generation: number;
}
interface Meta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Stream {
  metadata: Meta;
  spec: {
    lookupPolicy?: { local: boolean };
    tags?: { name: string; generation: number | null; annotations: Record<string, string> | null; from?: { kind: string; name: string } }[];
  };
  status: { dockerImageRepository: string; tags?: { tag: string; items: TagEvent[] | null }[] };
}
interface IstView {
  metadata: Meta;
  lookupPolicy: { local: boolean };
  tag: { name: string; referencePolicy: { type: string }; from?: { kind: string; name: string } } | null;
  image: { metadata: { name: string; annotations?: Record<string, string> }; dockerImageReference: string };
}

/** A small OCI image manifest and config; `n` makes it unique. */
function ociImage(n: string) {
  const configText = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: [`/bin/${n}`] } });
  const layer = sha(`layer-${n}`);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(configText), size: configText.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: 1000 }],
  });
  return { name: sha(manifest), manifest, configText, layer };
}
type Img = ReturnType<typeof ociImage>;

function mapping(
  stream: string,
  tag: string,
  img: Img,
  image: { dockerImageReference?: string; labels?: Record<string, string>; annotations?: Record<string, string>; configText?: string } = {},
) {
  return {
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStreamMapping',
    metadata: { name: stream },
    tag,
    image: {
      metadata: { name: img.name, ...(image.labels ? { labels: image.labels } : {}), ...(image.annotations ? { annotations: image.annotations } : {}) },
      ...(image.dockerImageReference === undefined ? {} : { dockerImageReference: image.dockerImageReference }),
      dockerImageManifest: img.manifest,
      dockerImageConfig: image.configText ?? img.configText,
    },
  };
}

async function map(nsPath: string, body: unknown): Promise<void> {
  const r = await api(server, 'POST', `${nsPath}/imagestreammappings`, { body });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json<Status>().code, 201);
}

async function createStream(nsPath: string, name: string, spec: Record<string, unknown> = {}) {
  return api(server, 'POST', `${nsPath}/imagestreams`, { body: { apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name }, spec } });
}

async function getStream(nsPath: string, name: string): Promise<Stream> {
  const r = await api(server, 'GET', `${nsPath}/imagestreams/${name}`);
  assert.equal(r.status, 200, r.text);
  return r.json<Stream>();
}

const newest = (s: Stream, tag: string) => s.status.tags?.find((t) => t.tag === tag)?.items?.[0];
const history = (s: Stream, tag: string) => (s.status.tags?.find((t) => t.tag === tag)?.items ?? []).map((i) => i.image);
const specGeneration = (s: Stream, tag: string) => s.spec.tags?.find((t) => t.name === tag)?.generation;
/** A spec tag's `from`. */
const source = (kind: string, name: string, extra: Record<string, unknown> = {}) => ({ kind, name, ...extra });

// Images, each unique to this file. A and C go to rules/src:latest (A first), B to rules-other/src:latest.
const A = ociImage('a');
const B = ociImage('b');
const C = ociImage('c');

before(async () => {
  server = await startServerProcess();
  for (const name of [NSNAME, OTHERNAME]) {
    const r = await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
    assert.equal(r.status, 201, r.text);
  }
  // The integrated registry's hostname, as the registry operator publishes it.
  const cfg = await api(server, 'PATCH', '/apis/config.openshift.io/v1/images/cluster/status', {
    body: { status: { internalRegistryHostname: IR } },
    contentType: 'application/merge-patch+json',
  });
  assert.equal(cfg.status, 200, cfg.text);
  for (const ns of [NS, OTHER]) assert.equal((await createStream(ns, 'src')).status, 201);
  // A is recorded with an outside pull spec; B without one, so it gets the integrated registry's.
  await map(NS, mapping('src', 'latest', A, { dockerImageReference: `quay.io/rules/src@${A.name}` }));
  await map(OTHER, mapping('src', 'latest', B));
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

describe('spec tags whose source is another stream', () => {
  it('records a mapping without a pull spec under the integrated registry', async () => {
    const other = await getStream(OTHER, 'src');
    assert.equal(other.status.dockerImageRepository, `${IR}/${OTHERNAME}/src`);
    assert.equal(newest(other, 'latest')?.dockerImageReference, `${IR}/${OTHERNAME}/src@${B.name}`);
  });

  it('resolves ImageStreamTag sources in the same and another namespace when the stream is created', async () => {
    const r = await createStream(NS, 'copy', {
      tags: [
        { name: 'same', from: source('ImageStreamTag', 'src:latest') },
        { name: 'cross', from: source('ImageStreamTag', 'src:latest', { namespace: OTHERNAME }) },
        { name: 'crossref', from: source('ImageStreamTag', 'src:latest', { namespace: OTHERNAME }), reference: true },
        { name: 'notyet', from: source('ImageStreamTag', 'src:nope') },
      ],
    });
    assert.equal(r.status, 201, r.text);
    const copy = await getStream(NS, 'copy');
    const src = newest(await getStream(NS, 'src'), 'latest');
    // The source's newest event is copied as it is (its creation time too), with the tag's generation.
    assert.deepEqual(newest(copy, 'same'), { ...src, generation: specGeneration(copy, 'same') });
    // From the integrated registry of another stream: re-homed into this stream, unless a reference tag.
    assert.equal(newest(copy, 'cross')?.image, B.name);
    assert.equal(newest(copy, 'cross')?.dockerImageReference, `${IR}/${NSNAME}/copy@${B.name}`);
    assert.equal(newest(copy, 'crossref')?.image, B.name);
    assert.equal(newest(copy, 'crossref')?.dockerImageReference, `${IR}/${OTHERNAME}/src@${B.name}`);
    // A source tag that has no image yet gives no event and no error.
    assert.equal(
      copy.status.tags?.some((t) => t.tag === 'notyet'),
      false,
    );
    // The views show the resolved images.
    const view = (await api(server, 'GET', `${NS}/imagestreamtags/copy:cross`)).json<IstView>();
    assert.equal(view.image.metadata.name, B.name);
    assert.equal(view.image.dockerImageReference, `${IR}/${NSNAME}/copy@${B.name}`);
  });

  it('keeps cross-stream tags as snapshots, and resolves new ones added by update or through istag', async () => {
    await map(NS, mapping('src', 'latest', C, { dockerImageReference: `quay.io/rules/src@${C.name}`, annotations: { own: 'yes', shared: 'from-image' } }));
    assert.deepEqual(history(await getStream(NS, 'src'), 'latest'), [C.name, A.name]);
    const stale = await getStream(NS, 'copy');
    assert.deepEqual(history(stale, 'same'), [A.name], 'a tag of another stream is not followed after it is set');
    // Update of the stream (main strategy): the new spec tag is resolved at once.
    const patch = await api(server, 'PATCH', `${NS}/imagestreams/copy`, {
      body: [{ op: 'add', path: '/spec/tags/-', value: { name: 'later', from: source('ImageStreamTag', 'src:latest') } }],
      contentType: 'application/json-patch+json',
    });
    assert.equal(patch.status, 200, patch.text);
    assert.equal(newest(patch.json<Stream>(), 'later')?.image, C.name);
    assert.deepEqual(history(patch.json<Stream>(), 'same'), [A.name]);
    // Through imagestreamtags (internal strategy), into another namespace's stream.
    const created = await api(server, 'POST', `${NS}/imagestreamtags`, {
      body: {
        apiVersion: 'image.openshift.io/v1',
        kind: 'ImageStreamTag',
        metadata: { name: 'copy:fromistag' },
        tag: { name: 'fromistag', from: source('ImageStreamTag', 'src:latest', { namespace: OTHERNAME }) },
      },
    });
    assert.equal(created.status, 201, created.text);
    const made = created.json<IstView>();
    assert.equal(made.image.metadata.name, B.name);
    assert.equal(made.image.dockerImageReference, `${IR}/${NSNAME}/copy@${B.name}`);
    assert.equal(newest(await getStream(NS, 'copy'), 'fromistag')?.image, B.name);
  });

  it('resolves ImageStreamImage sources by digest or prefix across the whole history', async () => {
    const r = await createStream(NS, 'pinned', {
      tags: [
        { name: 'bydigest', from: source('ImageStreamImage', `src@${A.name}`) },
        // A is no longer the newest image of src:latest, but still in its history.
        { name: 'byprefix', from: source('ImageStreamImage', `src@${A.name.slice(7, 19)}`) },
        { name: 'crossns', from: source('ImageStreamImage', `src@${B.name}`, { namespace: OTHERNAME }) },
      ],
    });
    assert.equal(r.status, 201, r.text);
    const pinned = await getStream(NS, 'pinned');
    assert.equal(newest(pinned, 'bydigest')?.image, A.name);
    assert.equal(newest(pinned, 'bydigest')?.dockerImageReference, `quay.io/rules/src@${A.name}`);
    assert.equal(newest(pinned, 'bydigest')?.generation, specGeneration(pinned, 'bydigest'));
    assert.equal(newest(pinned, 'byprefix')?.image, A.name);
    assert.equal(newest(pinned, 'crossns')?.image, B.name);
    assert.equal(newest(pinned, 'crossns')?.dockerImageReference, `${IR}/${NSNAME}/pinned@${B.name}`);
    const view = (await api(server, 'GET', `${NS}/imagestreamtags/pinned:byprefix`)).json<IstView>();
    assert.equal(view.image.metadata.name, A.name);
  });

  it('refuses sources that cannot be resolved with the reference 422 and writes nothing', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['missing-source', source('ImageStreamTag', 'ghost:latest'), 'spec.tags[t].from.name: Not found: "ghost:latest"'],
      [
        'nodigest',
        source('ImageStreamImage', 'src@sha256:0000'),
        'spec.tags[t].from.name: Invalid value: "src@sha256:0000": error generating tag event: imagestreamimage.image.openshift.io "sha256:0000" not found',
      ],
      [
        'badname',
        source('ImageStreamTag', 'a:b:c'),
        'spec.tags[t].from.name: Invalid value: "a:b:c": must be of the form <tag>, <repo>:<tag>, <id>, or <repo>@<id>',
      ],
    ];
    for (const [name, from, inner] of cases) {
      const r = await createStream(NS, name, { tags: [{ name: 't', from }] });
      assert.equal(r.status, 422, `${name}: ${r.text}`);
      const s = r.json<Status>();
      assert.equal(s.reason, 'Invalid');
      assert.equal(s.message, `ImageStream.image.openshift.io "${name}" is invalid: []: Internal error: imagestreams "${name}" is invalid: ${inner}`);
      assert.equal(s.details?.causes?.[0]?.reason, 'InternalError');
      assert.equal(s.details?.causes?.[0]?.field, '[]');
      assert.equal((await api(server, 'GET', `${NS}/imagestreams/${name}`)).status, 404);
    }
    // A prefix that matches several images of the source's history: a conflict inside the 422.
    const amb = await createStream(NS, 'ambiguous', { tags: [{ name: 't', from: source('ImageStreamImage', 'src@sha256:') }] });
    assert.equal(amb.status, 422, amb.text);
    const message = amb.json<Status>().message ?? '';
    assert.match(message, /error generating tag event: multiple images match the prefix "sha256:": /);
    assert.ok(message.includes(A.name) && message.includes(C.name), message);
  });
});

describe('ImageStreamTag fields', () => {
  before(async () => {
    const r = await createStream(NS, 'fields', {
      lookupPolicy: { local: true },
      tags: [
        {
          name: 'local',
          from: source('ImageStreamTag', 'src:latest'),
          referencePolicy: { type: 'Local' },
          annotations: { description: 'for prod', shared: 'from-tag' },
        },
        { name: 'source', from: source('ImageStreamTag', 'src:latest') },
      ],
    });
    assert.equal(r.status, 201, r.text);
  });

  it('takes lookupPolicy, uid and resourceVersion from the stream', async () => {
    const stream = await getStream(NS, 'fields');
    const r = await api(server, 'GET', `${NS}/imagestreamtags/fields:local`);
    assert.equal(r.status, 200, r.text);
    const view = r.json<IstView>();
    assert.deepEqual(view.lookupPolicy, { local: true });
    assert.equal(view.metadata.uid, stream.metadata.uid);
    assert.equal(view.metadata.resourceVersion, stream.metadata.resourceVersion);
    // A write to the stream moves the tag's resource version with it.
    const relabel = await api(server, 'PATCH', `${NS}/imagestreams/fields`, {
      body: { metadata: { labels: { team: 'x' } } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(relabel.status, 200, relabel.text);
    const moved = (await api(server, 'GET', `${NS}/imagestreamtags/fields:local`)).json<IstView>();
    assert.notEqual(moved.metadata.resourceVersion, view.metadata.resourceVersion);
    assert.equal(moved.metadata.resourceVersion, relabel.json<Stream>().metadata.resourceVersion);
    assert.deepEqual(moved.metadata.labels, { team: 'x' });
    // An edit of lookupPolicy through the tag is ignored: the stream keeps its own.
    const edit = await api(server, 'PATCH', `${NS}/imagestreamtags/fields:source`, {
      body: { lookupPolicy: { local: false } },
      contentType: 'application/merge-patch+json',
    });
    assert.equal(edit.status, 200, edit.text);
    assert.deepEqual(edit.json<IstView>().lookupPolicy, { local: true });
    assert.deepEqual((await getStream(NS, 'fields')).spec.lookupPolicy, { local: true });
  });

  it('shows the spec tag annotations on the tag and over the image annotations, without touching the Image', async () => {
    const view = (await api(server, 'GET', `${NS}/imagestreamtags/fields:local`)).json<IstView>();
    assert.deepEqual(view.metadata.annotations, { description: 'for prod', shared: 'from-tag' });
    const annotations = view.image.metadata.annotations ?? {};
    assert.equal(annotations['own'], 'yes');
    assert.equal(annotations['description'], 'for prod');
    assert.equal(annotations['shared'], 'from-tag', 'the spec tag wins over the image');
    const plain = (await api(server, 'GET', `${NS}/imagestreamtags/fields:source`)).json<IstView>();
    // A tag without annotations has none: an empty map is left out, as Go's omitempty leaves it.
    assert.equal(plain.metadata.annotations, undefined);
    assert.equal(plain.image.metadata.annotations?.['shared'], 'from-image');
    assert.equal(plain.image.metadata.annotations?.['description'], undefined);
    const stored = (await api(server, 'GET', `${V1}/images/${C.name}`)).json<{ metadata: { annotations?: Record<string, string> } }>();
    assert.equal(stored.metadata.annotations?.['description'], undefined);
    assert.equal(stored.metadata.annotations?.['shared'], 'from-image');
  });

  it('points a Local tag into the integrated registry, and a Source tag at the recorded pull spec', async () => {
    const local = (await api(server, 'GET', `${NS}/imagestreamtags/fields:local`)).json<IstView>();
    assert.equal(local.tag?.referencePolicy.type, 'Local');
    assert.equal(local.image.metadata.name, C.name);
    assert.equal(local.image.dockerImageReference, `${IR}/${NSNAME}/fields@${C.name}`);
    const sourceTag = (await api(server, 'GET', `${NS}/imagestreamtags/fields:source`)).json<IstView>();
    assert.equal(sourceTag.tag?.referencePolicy.type, 'Source');
    assert.equal(sourceTag.image.dockerImageReference, `quay.io/rules/src@${C.name}`);
    // The stream keeps the recorded pull spec: only the views resolve it.
    assert.equal(newest(await getStream(NS, 'fields'), 'local')?.dockerImageReference, `quay.io/rules/src@${C.name}`);
    // Lists and ImageTags resolve it the same way.
    const list = (await api(server, 'GET', `${NS}/imagestreamtags`)).json<{ items: IstView[] }>();
    const listed = list.items.find((i) => i.metadata.name === 'fields:local');
    assert.equal(listed?.image.dockerImageReference, `${IR}/${NSNAME}/fields@${C.name}`);
    assert.deepEqual(listed?.lookupPolicy, { local: true });
    const itag = (await api(server, 'GET', `${NS}/imagetags/fields:local`)).json<{ image: { dockerImageReference: string } }>();
    assert.equal(itag.image.dockerImageReference, `${IR}/${NSNAME}/fields@${C.name}`);
  });
});

describe('kubectl on the views', () => {
  const k = (args: string[], stdin?: string) => kubectl(server.kubeconfig, ['-n', NSNAME, ...args], stdin === undefined ? {} : { stdin });
  const ok = (r: { code: number | null; stdout: string; stderr: string }) => {
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  it('creates an ImageStreamTag from a file, creating its stream and resolving its source', async () => {
    const body = YAML.stringify({
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamTag',
      metadata: { name: 'kube:v1' },
      tag: { name: 'v1', from: { kind: 'ImageStreamTag', name: 'src:latest' } },
    });
    assert.match(ok(await k(['create', '-f', '-'], body)), /^imagestreamtag\.image\.openshift\.io\/kube:v1 created$/m);
    const stream = await getStream(NS, 'kube');
    assert.equal(newest(stream, 'v1')?.image, C.name);
    const again = await k(['create', '-f', '-'], body);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /imagestreamtag\.image\.openshift\.io "kube:v1" already exists/);
  });

  it('lists streams, tags and ImageTags together with kubectl get is,istag,itag', async () => {
    const out = ok(await k(['get', 'is,istag,itag']));
    assert.match(out, /^NAME\s+IMAGE REPOSITORY\s+TAGS\s+UPDATED/m);
    assert.match(out, new RegExp(`^imagestream\\.image\\.openshift\\.io/kube\\s+${IR.replace('.', '\\.')}/${NSNAME}/kube\\s+v1\\s`, 'm'));
    assert.match(out, /^NAME\s+IMAGE REFERENCE\s+UPDATED/m);
    assert.match(out, new RegExp(`^imagestreamtag\\.image\\.openshift\\.io/kube:v1\\s+quay\\.io/rules/src@${C.name}\\s`, 'm'));
    assert.match(out, /^NAME\s+SPEC\s+STATUS\s+HISTORY\s+UPDATED/m);
    // A tag of another stream is a plain Tag (Track is for a tag of the same stream).
    assert.match(out, new RegExp(`^imagetag\\.image\\.openshift\\.io/kube:v1\\s+Tag\\s+image/${C.name}\\s+1\\s`, 'm'));
    // A reference-free tag with no image is an ImageTag but not an ImageStreamTag.
    assert.match(out, /^imagetag\.image\.openshift\.io\/copy:notyet\s/m);
    assert.doesNotMatch(out, /^imagestreamtag\.image\.openshift\.io\/copy:notyet\s/m);
  });

  it('prints one ImageStreamTag as YAML', async () => {
    const doc = YAML.parse(ok(await k(['get', 'istag', 'kube:v1', '-o', 'yaml']))) as IstView & { kind: string; apiVersion: string };
    assert.equal(doc.kind, 'ImageStreamTag');
    assert.equal(doc.apiVersion, 'image.openshift.io/v1');
    assert.equal(doc.metadata.name, 'kube:v1');
    assert.equal(doc.metadata.namespace, NSNAME);
    assert.equal(doc.metadata.uid, (await getStream(NS, 'kube')).metadata.uid);
    assert.deepEqual(doc.tag?.from, { kind: 'ImageStreamTag', name: 'src:latest' });
    assert.equal(doc.image.metadata.name, C.name);
    assert.deepEqual(doc.lookupPolicy, { local: false });
  });

  it('patches an ImageStreamTag with the default and merge patch types', async () => {
    // kubectl's default (strategic merge) patch: re-points the tag, which is resolved at once.
    const strategic = await k([
      'patch',
      'istag',
      'kube:v1',
      '-p',
      JSON.stringify({ tag: { from: { kind: 'ImageStreamTag', name: 'src:latest', namespace: OTHERNAME } } }),
    ]);
    assert.match(ok(strategic), /^imagestreamtag\.image\.openshift\.io\/kube:v1 patched$/m);
    const repointed = await getStream(NS, 'kube');
    assert.equal(newest(repointed, 'v1')?.image, B.name);
    assert.deepEqual(history(repointed, 'v1'), [B.name, C.name]);
    const merge = await k(['patch', 'istag', 'kube:v1', '--type', 'merge', '-p', JSON.stringify({ metadata: { annotations: { note: 'patched' } } })]);
    assert.match(ok(merge), /^imagestreamtag\.image\.openshift\.io\/kube:v1 patched$/m);
    const stream = await getStream(NS, 'kube');
    assert.deepEqual(stream.spec.tags?.find((t) => t.name === 'v1')?.annotations, { note: 'patched' });
    const view = (await api(server, 'GET', `${NS}/imagestreamtags/kube:v1`)).json<IstView>();
    assert.equal(view.image.metadata.annotations?.['note'], 'patched');
  });

  it('untags with kubectl delete istag and kubectl delete itag', async () => {
    const body = YAML.stringify({
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageTag',
      metadata: { name: 'kube:v2' },
      spec: { name: 'v2', from: { kind: 'ImageStreamTag', name: 'src:latest' } },
    });
    assert.match(ok(await k(['create', '-f', '-'], body)), /^imagetag\.image\.openshift\.io\/kube:v2 created$/m);
    assert.equal(newest(await getStream(NS, 'kube'), 'v2')?.image, C.name);

    assert.match(ok(await k(['delete', 'istag', 'kube:v1'])), /^imagestreamtag\.image\.openshift\.io "kube:v1" deleted$/m);
    const gone = await k(['get', 'istag', 'kube:v1']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /Error from server \(NotFound\): imagestreamtags\.image\.openshift\.io "kube:v1" not found/);

    assert.match(ok(await k(['delete', 'itag', 'kube:v2'])), /^imagetag\.image\.openshift\.io "kube:v2" deleted$/m);
    const goneItag = await k(['get', 'itag', 'kube:v2']);
    assert.equal(goneItag.code, 1);
    assert.match(goneItag.stderr, /Error from server \(NotFound\): imagetags\.image\.openshift\.io "kube:v2" not found/);

    // Both spec and history are gone; the stream stays.
    const stream = await getStream(NS, 'kube');
    assert.deepEqual(stream.spec.tags ?? [], []);
    assert.deepEqual(stream.status.tags ?? [], []);
    const again = await k(['delete', 'istag', 'kube:v1']);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /imagestreamtags\.image\.openshift\.io "kube:v1" not found/);
  });
});

describe('mapping an image that already exists', () => {
  const D = ociImage('d');
  const getImage = async (name: string) => {
    const r = await api(server, 'GET', `${V1}/images/${name}`);
    assert.equal(r.status, 200, r.text);
    return r.json<Record<string, unknown> & { metadata: Meta; dockerImageReference: string; dockerImageMetadata: { Config?: { Cmd?: string[] } } }>();
  };

  it("never modifies the stored Image, and records the mapping's own pull spec", async () => {
    await map(
      NS,
      mapping('src', 'first', D, { dockerImageReference: `quay.io/first/d@${D.name}`, labels: { origin: 'first' }, annotations: { note: 'first' } }),
    );
    const before = await getImage(D.name);
    assert.deepEqual(before.metadata.labels, { origin: 'first' });
    assert.deepEqual(before.dockerImageMetadata.Config?.Cmd, ['/bin/d']);
    // Same name, everything else different: other labels, annotations, pull spec and config.
    const otherConfig = JSON.stringify({ architecture: 'arm64', os: 'linux', config: { Cmd: ['/bin/changed'] } });
    await map(
      NS,
      mapping('src', 'second', D, {
        dockerImageReference: `quay.io/second/d@${D.name}`,
        labels: { origin: 'second' },
        annotations: { note: 'second' },
        configText: otherConfig,
      }),
    );
    const after = await getImage(D.name);
    assert.deepEqual(after, before);
    const stream = await getStream(NS, 'src');
    assert.equal(newest(stream, 'second')?.image, D.name);
    assert.equal(newest(stream, 'second')?.dockerImageReference, `quay.io/second/d@${D.name}`);
    assert.equal(newest(stream, 'first')?.dockerImageReference, `quay.io/first/d@${D.name}`);
  });

  it('re-homes a managed image that already exists into the stream, and only then', async () => {
    const before = await getImage(D.name);
    const managed = { 'openshift.io/image.managed': 'true' };
    await map(NS, mapping('src', 'managed', D, { dockerImageReference: `elsewhere.example.com/x/d@${D.name}`, annotations: managed }));
    assert.deepEqual(await getImage(D.name), before);
    assert.equal(newest(await getStream(NS, 'src'), 'managed')?.dockerImageReference, `${IR}/${NSNAME}/src@${D.name}`);
    // A managed image that is new keeps the pull spec it was mapped with.
    const E = ociImage('e');
    await map(NS, mapping('src', 'fresh', E, { dockerImageReference: `elsewhere.example.com/x/e@${E.name}`, annotations: managed }));
    assert.equal(newest(await getStream(NS, 'src'), 'fresh')?.dockerImageReference, `elsewhere.example.com/x/e@${E.name}`);
    assert.equal((await getImage(E.name)).dockerImageReference, `elsewhere.example.com/x/e@${E.name}`);
  });
});

describe('imagestreamimages and manifest lists', () => {
  const amd = ociImage('child-amd64');
  const arm = ociImage('child-arm64');
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: amd.name,
        size: amd.manifest.length,
        platform: { architecture: 'amd64', os: 'linux' },
      },
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: arm.name,
        size: arm.manifest.length,
        platform: { architecture: 'arm64', os: 'linux' },
      },
    ],
  });
  const list = sha(index);

  before(async () => {
    assert.equal((await createStream(NS, 'multi')).status, 201);
    // Only the amd64 child exists as an Image; the arm64 one was never recorded.
    const child = await api(server, 'POST', `${V1}/images`, {
      body: {
        apiVersion: 'image.openshift.io/v1',
        kind: 'Image',
        metadata: { name: amd.name },
        dockerImageReference: `quay.io/rules/multi@${amd.name}`,
        dockerImageManifest: amd.manifest,
        dockerImageConfig: amd.configText,
      },
    });
    assert.equal(child.status, 201, child.text);
    await map(NS, {
      apiVersion: 'image.openshift.io/v1',
      kind: 'ImageStreamMapping',
      metadata: { name: 'multi' },
      tag: 'latest',
      image: { metadata: { name: list }, dockerImageReference: `quay.io/rules/multi@${list}`, dockerImageManifest: index },
    });
  });

  it('finds the manifest list and a child of it by digest and by prefix', async () => {
    const top = await api(server, 'GET', `${NS}/imagestreamimages/multi@${list}`);
    assert.equal(top.status, 200, top.text);
    const topImage = top.json<{ image: { metadata: { name: string }; dockerImageManifests: { digest: string; architecture: string }[] } }>().image;
    assert.equal(topImage.metadata.name, list);
    assert.deepEqual(
      topImage.dockerImageManifests.map((m) => [m.digest, m.architecture]),
      [
        [amd.name, 'amd64'],
        [arm.name, 'arm64'],
      ],
    );

    const prefix = amd.name.slice(7, 19);
    const r = await api(server, 'GET', `${NS}/imagestreamimages/multi@${prefix}`);
    assert.equal(r.status, 200, r.text);
    const isi = r.json<{
      kind: string;
      metadata: Meta;
      image: { metadata: { name: string }; dockerImageReference: string; dockerImageManifest?: string; dockerImageLayers: { name: string }[] };
    }>();
    assert.equal(isi.kind, 'ImageStreamImage');
    assert.equal(isi.metadata.name, `multi@${prefix}`);
    assert.equal(isi.image.metadata.name, amd.name);
    assert.equal(isi.image.dockerImageReference, `quay.io/rules/multi@${amd.name}`);
    assert.equal(isi.image.dockerImageManifest, undefined);
    assert.deepEqual(
      isi.image.dockerImageLayers.map((l) => l.name),
      [amd.layer],
    );
    const full = await api(server, 'GET', `${NS}/imagestreamimages/multi@${amd.name}`);
    assert.equal(full.status, 200, full.text);

    // The child is in no tag's history: a tag cannot be pinned to it, but the lookup finds it.
    const stream = await getStream(NS, 'multi');
    assert.deepEqual(history(stream, 'latest'), [list]);
  });

  it('answers 404 naming the image for a child that has no Image', async () => {
    const r = await api(server, 'GET', `${NS}/imagestreamimages/multi@${arm.name}`);
    assert.equal(r.status, 404, r.text);
    assert.equal(r.json<Status>().message, `images.image.openshift.io "${arm.name}" not found`);
    const kube = await kubectl(server.kubeconfig, ['-n', NSNAME, 'get', 'isimage', `multi@${amd.name.slice(7, 17)}`]);
    assert.equal(kube.code, 0, kube.stderr);
    assert.match(kube.stdout, new RegExp(`^multi@${amd.name.slice(7, 17)}\\s`, 'm'));
  });
});
