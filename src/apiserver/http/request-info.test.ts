import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseResourcePath } from './request-info.js';

const q = (s = '') => new URLSearchParams(s);

describe('parseResourcePath', () => {
  it('parses a namespaced collection list and a watch', () => {
    assert.deepEqual(parseResourcePath('GET', '/apis/image.openshift.io/v1/namespaces/ns1/imagestreams', q()), {
      group: 'image.openshift.io',
      version: 'v1',
      namespace: 'ns1',
      resource: 'imagestreams',
      verb: 'list',
    });
    assert.equal(parseResourcePath('GET', '/apis/image.openshift.io/v1/imagestreams', q('watch=true'))?.verb, 'watch');
  });

  it('parses a named object with a subresource', () => {
    assert.deepEqual(parseResourcePath('PUT', '/apis/image.openshift.io/v1/namespaces/ns/imagestreams/ruby/status', q()), {
      group: 'image.openshift.io',
      version: 'v1',
      namespace: 'ns',
      resource: 'imagestreams',
      name: 'ruby',
      subresource: 'status',
      verb: 'update',
    });
  });

  it('treats /api/v1/namespaces/{name} as the Namespace itself and /namespaces/{ns}/secrets as secrets in it', () => {
    assert.deepEqual(parseResourcePath('GET', '/api/v1/namespaces/ns1', q()), {
      group: '',
      version: 'v1',
      resource: 'namespaces',
      name: 'ns1',
      verb: 'get',
    });
    assert.deepEqual(parseResourcePath('GET', '/api/v1/namespaces/ns1/status', q()), {
      group: '',
      version: 'v1',
      resource: 'namespaces',
      name: 'ns1',
      subresource: 'status',
      verb: 'get',
    });
    assert.deepEqual(parseResourcePath('POST', '/api/v1/namespaces/ns1/secrets', q()), {
      group: '',
      version: 'v1',
      namespace: 'ns1',
      resource: 'secrets',
      verb: 'create',
    });
  });

  it('keeps ":" and "@" in names and decodes escaped segments', () => {
    assert.equal(parseResourcePath('GET', '/apis/image.openshift.io/v1/namespaces/ns/imagestreamtags/ruby:2.7', q())?.name, 'ruby:2.7');
    assert.equal(parseResourcePath('GET', '/apis/image.openshift.io/v1/images/sha256%3Aabc', q())?.name, 'sha256:abc');
  });

  it('distinguishes delete from deletecollection', () => {
    assert.equal(parseResourcePath('DELETE', '/apis/image.openshift.io/v1/images', q())?.verb, 'deletecollection');
    assert.equal(parseResourcePath('DELETE', '/apis/image.openshift.io/v1/images/x', q())?.verb, 'delete');
  });

  it('returns undefined for discovery paths', () => {
    assert.equal(parseResourcePath('GET', '/apis/image.openshift.io/v1', q()), undefined);
    assert.equal(parseResourcePath('GET', '/api', q()), undefined);
  });
});

describe('watches as clients spell them', () => {
  it('decodes watch= as apimachinery does: absent, 0 and false (any case) are false, anything else is true', () => {
    const verb = (query: string) => parseResourcePath('GET', '/apis/image.openshift.io/v1/imagestreams', q(query))?.verb;
    for (const yes of ['watch=true', 'watch=True', 'watch=1', 'watch=', 'watch=yes', 'watch=True&watch=false']) assert.equal(verb(yes), 'watch', yes);
    for (const no of ['', 'watch=false', 'watch=FALSE', 'watch=0', 'watch=0&watch=1']) assert.equal(verb(no), 'list', no);
  });

  it('serves the legacy watch/ prefix: a collection, or one object by name, GET only', () => {
    assert.deepEqual(parseResourcePath('GET', '/apis/image.openshift.io/v1/watch/namespaces/ns/imagestreams/ruby', q()), {
      group: 'image.openshift.io',
      version: 'v1',
      namespace: 'ns',
      resource: 'imagestreams',
      name: 'ruby',
      verb: 'watch',
    });
    assert.deepEqual(parseResourcePath('GET', '/apis/image.openshift.io/v1/watch/images', q()), {
      group: 'image.openshift.io',
      version: 'v1',
      resource: 'images',
      verb: 'watch',
    });
    assert.equal(parseResourcePath('GET', '/api/v1/watch/namespaces', q())?.verb, 'watch');
    assert.equal(parseResourcePath('GET', '/api/v1/watch/namespaces/default/secrets', q())?.verb, 'watch');
    assert.equal(parseResourcePath('DELETE', '/apis/image.openshift.io/v1/watch/images/x', q())?.verb, 'unknown');
    assert.equal(parseResourcePath('GET', '/apis/image.openshift.io/v1/watch/namespaces/ns/imagestreams/ruby/status', q()), undefined);
  });
});
