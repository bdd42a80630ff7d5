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
