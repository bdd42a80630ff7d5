/**
 * The API machinery over HTTPS against the real server process: Status errors, concurrency,
 * dry run, pagination, selectors, resource versions, watches.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { api, startServerProcess, type ServerProcess } from '../support/server-process.js';

let server: ServerProcess;
const IS = '/apis/image.openshift.io/v1/namespaces/m/imagestreams';

interface Meta {
  name: string;
  resourceVersion: string;
  uid: string;
  generation?: number;
}
interface Obj {
  metadata: Meta;
  spec?: Record<string, unknown>;
}
interface Status {
  kind: string;
  status: string;
  code: number;
  reason: string;
  message: string;
  details?: { causes?: { field: string; reason: string; message: string }[] };
}

const stream = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'image.openshift.io/v1',
  kind: 'ImageStream',
  metadata: { name, labels },
  spec: {},
});

function assertStatus(r: { status: number; json<T>(): T }, code: number, reason: string): Status {
  const s = r.json<Status>();
  assert.equal(r.status, code, JSON.stringify(s));
  assert.equal(s.kind, 'Status');
  assert.equal(s.status, 'Failure');
  assert.equal(s.code, code);
  assert.equal(s.reason, reason);
  return s;
}

before(async () => {
  server = await startServerProcess({ args: ['--etcd-compaction-interval', '1s', '--compaction-retain', '5'] });
  const r = await api(server, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'm' } } });
  assert.equal(r.status, 201, r.text);
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

describe('authentication and routing', () => {
  it('answers 401 Unauthorized without the admin token, but serves health and version', async () => {
    assertStatus(await api(server, 'GET', IS, { token: null }), 401, 'Unauthorized');
    assertStatus(await api(server, 'GET', IS, { token: 'wrong' }), 401, 'Unauthorized');
    for (const p of ['/healthz', '/livez', '/readyz']) assert.equal((await api(server, 'GET', p, { token: null })).text, 'ok');
    for (const p of ['livez', 'readyz'])
      assert.equal((await api(server, 'GET', `/${p}?verbose`, { token: null })).text, `[+]ping ok\n[+]storage ok\n${p} check passed\n`);
    const v = await api(server, 'GET', '/version', { token: null });
    assert.equal(v.status, 200);
    const info = v.json<{ major: string; minor: string; gitVersion: string }>();
    // The Kubernetes version the APIs match (OpenShift 4.17's), the server's own in the build metadata.
    assert.deepEqual([info.major, info.minor], ['1', '30']);
    assert.match(info.gitVersion, /^v1\.30\.0\+image-apiserver\.\d+\.\d+\.\d+$/);
  });

  it('answers 404 for an unknown resource and 405 for a verb a resource does not support', async () => {
    assertStatus(await api(server, 'GET', '/apis/image.openshift.io/v1/namespaces/m/nothings'), 404, 'NotFound');
    assertStatus(await api(server, 'GET', '/apis/nope.example.com/v1/things'), 404, 'NotFound');
    assertStatus(await api(server, 'POST', `${IS}/ruby/status`, { body: stream('ruby') }), 405, 'MethodNotAllowed');
  });
});

describe('bad input', () => {
  it('answers 400 for malformed JSON and YAML, and creates nothing', async () => {
    assertStatus(await api(server, 'POST', IS, { body: '{"metadata": {"name": "x"', contentType: 'application/json' }), 400, 'BadRequest');
    assertStatus(await api(server, 'POST', IS, { body: 'metadata: [unclosed', contentType: 'application/yaml' }), 400, 'BadRequest');
    assertStatus(await api(server, 'POST', IS, { body: '[1,2]' }), 400, 'BadRequest');
    assert.equal((await api(server, 'GET', `${IS}/x`)).status, 404);
  });

  it('decodes a body that leaves out required fields, as Go does, and answers 422 with the validation errors', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const image = {
      apiVersion: 'image.openshift.io/v1',
      kind: 'Image',
      metadata: { name: digest },
      dockerImageReference: `example.com/a/b@${digest}`,
      // manifestSize and architecture left out: they decode to their zero values (an os without an
      // architecture is half a platform).
      dockerImageManifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'bad', os: 'linux' }],
    };
    const r = await api(server, 'POST', '/apis/image.openshift.io/v1/images', { body: image });
    assertStatus(r, 422, 'Invalid');
    const message = r.json<{ message: string }>().message;
    assert.match(message, /dockerImageManifests\[0\]\.digest: Invalid value: "bad"/);
    assert.match(message, /dockerImageManifests\[0\]\.architecture: Required value/);
    assert.equal((await api(server, 'GET', `/apis/image.openshift.io/v1/images/${digest}`)).status, 404);
    // A field of the wrong type is still a body that cannot be decoded.
    assertStatus(
      await api(server, 'POST', '/apis/image.openshift.io/v1/images', { body: { ...image, dockerImageManifests: [{ digest: 5 }] } }),
      400,
      'BadRequest',
    );
  });

  it('answers 413 for a body over 3 MiB', async () => {
    const big = { ...stream('big'), metadata: { name: 'big', annotations: { a: 'x'.repeat(3 * 1024 * 1024 + 10) } } };
    assertStatus(await api(server, 'POST', IS, { body: big }), 413, 'RequestEntityTooLarge');
  });

  it('answers 415 for an unknown patch or body media type', async () => {
    await api(server, 'POST', IS, { body: stream('p415') });
    assertStatus(await api(server, 'PATCH', `${IS}/p415`, { body: '{}', contentType: 'application/xml' }), 415, 'UnsupportedMediaType');
    assertStatus(await api(server, 'POST', IS, { body: '<x/>', contentType: 'text/xml' }), 415, 'UnsupportedMediaType');
  });

  it('answers 422 Invalid naming the field for a bad name, with causes', async () => {
    const s = assertStatus(await api(server, 'POST', IS, { body: stream('UPPER') }), 422, 'Invalid');
    assert.ok(
      s.details?.causes?.some((c) => c.field === 'metadata.name'),
      JSON.stringify(s),
    );
  });

  it('answers 400 naming the field under fieldValidation=Strict, warns under Warn, and drops it silently under Ignore', async () => {
    const body = { ...stream('fv'), spec: { bogus: true } };
    const strict = assertStatus(await api(server, 'POST', `${IS}?fieldValidation=Strict`, { body }), 400, 'BadRequest');
    assert.match(strict.message, /unknown field "spec.bogus"/);
    const warn = await api(server, 'POST', `${IS}?fieldValidation=Warn`, { body });
    assert.equal(warn.status, 201);
    assert.match(String(warn.headers['warning']), /unknown field \\?"spec.bogus\\?"/);
    const ignore = await api(server, 'POST', `${IS}?fieldValidation=Ignore`, { body: { ...body, metadata: { name: 'fv2' } } });
    assert.equal(ignore.status, 201);
    assert.equal(ignore.headers['warning'], undefined);
    assert.equal(ignore.json<{ spec: Record<string, unknown> }>().spec['bogus'], undefined);
  });

  it('rejects duplicate JSON fields under Strict', async () => {
    const raw = '{"apiVersion":"image.openshift.io/v1","kind":"ImageStream","metadata":{"name":"dup","name":"dup2"}}';
    const s = assertStatus(await api(server, 'POST', `${IS}?fieldValidation=Strict`, { body: raw }), 400, 'BadRequest');
    assert.match(s.message, /duplicate field "metadata.name"/);
  });

  it('answers 400 for a body of another kind or version', async () => {
    assertStatus(await api(server, 'POST', IS, { body: { ...stream('k'), kind: 'Image' } }), 400, 'BadRequest');
    assertStatus(await api(server, 'POST', IS, { body: { ...stream('k'), apiVersion: 'v1' } }), 400, 'BadRequest');
  });

  it('answers 404 for an object in a namespace that does not exist', async () => {
    const r = await api(server, 'POST', '/apis/image.openshift.io/v1/namespaces/absent/imagestreams', { body: stream('x') });
    const s = assertStatus(r, 404, 'NotFound');
    assert.match(s.message, /namespaces "absent" not found/);
  });
});

describe('writes', () => {
  it('creates with generateName', async () => {
    const r = await api(server, 'POST', IS, { body: { ...stream(''), metadata: { generateName: 'gen' } } });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json<Obj>().metadata.name, /^gen[a-z0-9]{5}$/);
  });

  it('answers 409 AlreadyExists for a second create', async () => {
    await api(server, 'POST', IS, { body: stream('twice') });
    const s = assertStatus(await api(server, 'POST', IS, { body: stream('twice') }), 409, 'AlreadyExists');
    assert.equal(s.message, 'imagestreams.image.openshift.io "twice" already exists');
  });

  it('needs metadata.resourceVersion on PUT (422) and refuses a stale one (409)', async () => {
    const created = (await api(server, 'POST', IS, { body: stream('occ') })).json<Obj>();
    const noRv = assertStatus(await api(server, 'PUT', `${IS}/occ`, { body: stream('occ') }), 422, 'Invalid');
    assert.match(noRv.message, /metadata.resourceVersion: Invalid value: 0x0: must be specified for an update|metadata.resourceVersion/);
    const v1 = { ...stream('occ', { v: '1' }), metadata: { ...created.metadata, labels: { v: '1' } } };
    const updated = await api(server, 'PUT', `${IS}/occ`, { body: v1 });
    assert.equal(updated.status, 200, updated.text);
    assert.notEqual(updated.json<Obj>().metadata.resourceVersion, created.metadata.resourceVersion);
    const stale = assertStatus(await api(server, 'PUT', `${IS}/occ`, { body: v1 }), 409, 'Conflict');
    assert.match(stale.message, /the object has been modified; please apply your changes to the latest version and try again/);
  });

  it('runs dryRun=All through validation but never persists', async () => {
    const r = await api(server, 'POST', `${IS}?dryRun=All`, { body: stream('dry') });
    assert.equal(r.status, 201);
    assert.equal(r.json<Obj>().metadata.name, 'dry');
    assert.equal((await api(server, 'GET', `${IS}/dry`)).status, 404);
    assertStatus(await api(server, 'POST', `${IS}?dryRun=All`, { body: stream('BAD') }), 422, 'Invalid');
    assertStatus(await api(server, 'POST', `${IS}?dryRun=Some`, { body: stream('dry') }), 400, 'BadRequest');
  });

  it('deletes with a uid precondition only when it matches', async () => {
    const created = (await api(server, 'POST', IS, { body: stream('pre') })).json<Obj>();
    const wrong = { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: '00000000-0000-0000-0000-000000000000' } };
    assertStatus(await api(server, 'DELETE', `${IS}/pre`, { body: wrong }), 409, 'Conflict');
    const right = { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: created.metadata.uid } };
    assert.equal((await api(server, 'DELETE', `${IS}/pre`, { body: right })).status, 200);
    assertStatus(await api(server, 'DELETE', `${IS}/pre`), 404, 'NotFound');
  });

  it('applies server-side to create, then answers 409 with FieldManagerConflict causes', async () => {
    const applied = { ...stream('ssa'), metadata: { name: 'ssa', labels: { owner: 'a' } } };
    const r1 = await api(server, 'PATCH', `${IS}/ssa?fieldManager=a`, { body: applied, contentType: 'application/apply-patch+yaml' });
    assert.equal(r1.status, 201, r1.text);
    const other = { ...stream('ssa'), metadata: { name: 'ssa', labels: { owner: 'b' } } };
    const s = assertStatus(
      await api(server, 'PATCH', `${IS}/ssa?fieldManager=b`, { body: other, contentType: 'application/apply-patch+yaml' }),
      409,
      'Conflict',
    );
    assert.ok(
      s.details?.causes?.some((c) => c.reason === 'FieldManagerConflict' && /labels/.test(c.field)),
      JSON.stringify(s),
    );
    assertStatus(await api(server, 'PATCH', `${IS}/ssa`, { body: other, contentType: 'application/apply-patch+yaml' }), 400, 'BadRequest');
  });
});

describe('delete', () => {
  it('answers a Success Status naming what was deleted, as the generic store does, not the object', async () => {
    const created = (await api(server, 'POST', IS, { body: stream('gone') })).json<Obj>();
    const r = await api(server, 'DELETE', `${IS}/gone`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'gone', group: 'image.openshift.io', kind: 'imagestreams', uid: created.metadata.uid },
    });
    // A body of another kind is not taken for DeleteOptions: 400, and nothing is deleted.
    await api(server, 'POST', IS, { body: stream('kept') });
    const pod = await api(server, 'DELETE', `${IS}/kept`, { body: { apiVersion: 'v1', kind: 'Pod', spec: {} } });
    assertStatus(pod, 400, 'BadRequest');
    assert.match(pod.json<{ message: string }>().message, /must be a DeleteOptions .*not kind "Pod"/);
    assert.equal((await api(server, 'GET', `${IS}/kept`)).status, 200);
    assert.equal((await api(server, 'DELETE', `${IS}/kept`, { body: { apiVersion: 'image.openshift.io/v1', kind: 'DeleteOptions' } })).status, 200);
    const secret = (
      await api(server, 'POST', '/api/v1/namespaces/m/secrets', { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's-gone' } } })
    ).json<Obj>();
    const s = await api(server, 'DELETE', '/api/v1/namespaces/m/secrets/s-gone');
    assert.deepEqual(s.json<{ details: unknown }>().details, { name: 's-gone', kind: 'secrets', uid: secret.metadata.uid });
    assert.equal((await api(server, 'GET', '/api/v1/namespaces/m/secrets/s-gone')).status, 404);
  });
});

describe('delete collection', () => {
  it('deletes only what the selector picks and returns the deleted items', async () => {
    for (const n of ['dc1', 'dc2', 'dc3']) await api(server, 'POST', IS, { body: stream(n, { dc: n === 'dc3' ? 'keep' : 'drop' }) });
    const r = await api(server, 'DELETE', `${IS}?labelSelector=dc%3Ddrop`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(
      r
        .json<{ kind: string; items: Obj[] }>()
        .items.map((i) => i.metadata.name)
        .sort(),
      ['dc1', 'dc2'],
    );
    const left = (await api(server, 'GET', `${IS}?labelSelector=dc`)).json<{ items: Obj[] }>().items.map((i) => i.metadata.name);
    assert.deepEqual(left, ['dc3']);
  });
});

describe('reads', () => {
  it('indents JSON for ?pretty=true, as kube-apiserver does, and not otherwise', async () => {
    await api(server, 'POST', IS, { body: stream('pretty') });
    const pretty = await api(server, 'GET', `${IS}/pretty?pretty=true`);
    assert.equal(pretty.status, 200);
    assert.equal(pretty.text, `${JSON.stringify(JSON.parse(pretty.text), null, 2)}\n`);
    assert.match(pretty.text, /^\{\n {2}"/);
    const plain = await api(server, 'GET', `${IS}/pretty?pretty=false`);
    assert.equal(plain.text, JSON.stringify(JSON.parse(plain.text)));
  });

  it('pages a list with limit and continue at one resource version', async () => {
    for (const n of ['pa', 'pb', 'pc', 'pd', 'pe']) await api(server, 'POST', IS, { body: stream(n, { page: 'yes' }) });
    const seen: string[] = [];
    let cont = '';
    let rv = '';
    for (let i = 0; i < 10; i++) {
      const r = await api(server, 'GET', `${IS}?labelSelector=page%3Dyes&limit=2${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      assert.equal(r.status, 200, r.text);
      const list = r.json<{ metadata: { continue?: string; resourceVersion: string }; items: Obj[] }>();
      if (!rv) rv = list.metadata.resourceVersion;
      seen.push(...list.items.map((x) => x.metadata.name));
      if (!list.metadata.continue) break;
      cont = list.metadata.continue;
    }
    assert.deepEqual(seen, ['pa', 'pb', 'pc', 'pd', 'pe']);
  });

  it('filters by label and field selectors, and rejects unsupported fields with 400', async () => {
    const byLabel = (await api(server, 'GET', `${IS}?labelSelector=page%20in%20(yes),!missing`)).json<{ items: Obj[] }>();
    assert.equal(byLabel.items.length, 5);
    const byName = (await api(server, 'GET', `${IS}?fieldSelector=metadata.name%3Dpc`)).json<{ items: Obj[] }>();
    assert.deepEqual(
      byName.items.map((x) => x.metadata.name),
      ['pc'],
    );
    assertStatus(await api(server, 'GET', `${IS}?fieldSelector=spec.nothing%3Dx`), 400, 'BadRequest');
    assertStatus(await api(server, 'GET', `${IS}?labelSelector=a%20in%20(`), 400, 'BadRequest');
  });

  it('serves a list at an exact older resource version', async () => {
    const before = (await api(server, 'GET', IS)).json<{ metadata: { resourceVersion: string }; items: Obj[] }>();
    await api(server, 'POST', IS, { body: stream('later') });
    const exact = await api(server, 'GET', `${IS}?resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`);
    // compaction may already have dropped it: then 410 Expired, never a wrong answer
    if (exact.status === 410) return;
    assert.equal(exact.status, 200, exact.text);
    const names = exact.json<{ items: Obj[] }>().items.map((x) => x.metadata.name);
    assert.ok(!names.includes('later'));
    assert.deepEqual(
      names,
      before.items.map((x) => x.metadata.name),
    );
  });

  it('answers a server-side Table when asked', async () => {
    const r = await api(server, 'GET', IS, { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    assert.equal(r.status, 200);
    const t = r.json<{ kind: string; columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] }>();
    assert.equal(t.kind, 'Table');
    assert.deepEqual(t.columnDefinitions.map((c) => c.name).slice(0, 4), ['Name', 'Image Repository', 'Tags', 'Updated']);
    assert.ok(t.rows.length > 0);
  });
});

/** Reads a watch until `count` events arrived or the stream ended. */
function watchEvents(path: string, count: number, timeoutMs = 10_000): Promise<{ type: string; object: Record<string, unknown> }[]> {
  return new Promise((resolve, reject) => {
    const events: { type: string; object: Record<string, unknown> }[] = [];
    const req = request(new URL(path, server.url), { headers: { Authorization: `Bearer ${server.token}` }, ca: server.ca }, (res) => {
      let buf = '';
      const done = () => {
        clearTimeout(timer);
        req.destroy();
        resolve(events);
      };
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)) as { type: string; object: Record<string, unknown> });
          buf = buf.slice(i + 1);
          if (events.length >= count) return done();
        }
      });
      res.on('end', done);
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`watch timed out with ${JSON.stringify(events)}`));
    }, timeoutMs);
    req.on('error', (e) => (events.length >= count ? undefined : reject(e)));
    req.end();
  });
}

describe('watch', () => {
  it('streams changes after a resource version, in order', async () => {
    const list = (await api(server, 'GET', IS)).json<{ metadata: { resourceVersion: string } }>();
    const pending = watchEvents(`${IS}?watch=true&resourceVersion=${list.metadata.resourceVersion}`, 3);
    await new Promise((r) => setTimeout(r, 200));
    const created = (await api(server, 'POST', IS, { body: stream('w1') })).json<Obj>();
    await api(server, 'PATCH', `${IS}/w1`, { body: { metadata: { labels: { x: 'y' } } }, contentType: 'application/merge-patch+json' });
    await api(server, 'DELETE', `${IS}/w1`);
    const events = await pending;
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'MODIFIED', 'DELETED'],
    );
    assert.equal((events[0]?.object['metadata'] as Meta | undefined)?.uid, created.metadata.uid);
  });

  it('sends the current objects, then a bookmark marking the end of initial events, under sendInitialEvents', async () => {
    const names = (await api(server, 'GET', `${IS}?labelSelector=page%3Dyes`)).json<{ items: Obj[] }>().items.map((i) => i.metadata.name);
    const events = await watchEvents(
      `${IS}?watch=true&labelSelector=page%3Dyes&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion=`,
      names.length + 1,
    );
    assert.deepEqual(
      events.slice(0, names.length).map((e) => `${e.type}:${(e.object['metadata'] as Meta).name}`),
      names.map((n) => `ADDED:${n}`),
    );
    const last = events[names.length];
    assert.equal(last?.type, 'BOOKMARK');
    assert.equal((last?.object['metadata'] as { annotations?: Record<string, string> } | undefined)?.annotations?.['k8s.io/initial-events-end'], 'true');
  });

  it('ends after timeoutSeconds', async () => {
    const events = await watchEvents(`${IS}?watch=true&resourceVersion=1&timeoutSeconds=1&fieldSelector=metadata.name%3Dnothing`, 1000, 5000);
    assert.ok(Array.isArray(events));
  });

  it('sends an ERROR event with 410 Expired for a compacted resource version', async () => {
    for (let i = 0; i < 12; i++) await api(server, 'POST', IS, { body: stream(`churn${i}`) });
    // compaction runs every second keeping the newest 5 revisions
    await new Promise((r) => setTimeout(r, 2500));
    const events = await watchEvents(`${IS}?watch=true&resourceVersion=2`, 1);
    assert.equal(events[0]?.type, 'ERROR');
    assert.equal(events[0]?.object['code'], 410);
    assert.equal(events[0]?.object['reason'], 'Expired');
  });
});

describe('operability', () => {
  it('counts requests by verb, resource and code in Prometheus metrics', async () => {
    await api(server, 'GET', `${IS}/does-not-exist`);
    const m = await api(server, 'GET', '/metrics');
    assert.equal(m.status, 200);
    assert.match(m.text, /apiserver_request_total\{verb="get",group="image.openshift.io",resource="imagestreams",code="404"\} [1-9]/);
    assert.match(m.text, /apiserver_request_duration_seconds_bucket/);
    assert.match(m.text, /apiserver_storage_request_duration_seconds_count\{operation="get"\}/);
  });
});
