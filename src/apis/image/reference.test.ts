import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dockerClientDefaults, exact, parseDockerImageReference, referenceString, registryHostPort } from './reference.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('docker image references', () => {
  const ok: [string, object][] = [
    ['busybox', { registry: '', namespace: '', name: 'busybox', tag: '', id: '' }],
    ['library/busybox:1.36', { registry: '', namespace: 'library', name: 'busybox', tag: '1.36', id: '' }],
    ['quay.io/sclorg/ruby-33-c9s:latest', { registry: 'quay.io', namespace: 'sclorg', name: 'ruby-33-c9s', tag: 'latest', id: '' }],
    ['localhost:5000/a/b/c', { registry: 'localhost:5000', namespace: 'a', name: 'b/c', tag: '', id: '' }],
    [`docker.io/x@${D}`, { registry: 'docker.io', namespace: '', name: 'x', tag: '', id: D }],
    ['registry.example.com', { registry: 'registry.example.com', namespace: '', name: '', tag: '', id: '' }],
  ];
  for (const [spec, want] of ok) it(`parses ${spec}`, () => assert.deepEqual(parseDockerImageReference(spec), want));

  const bad: [string, string][] = [
    ['', 'repository name must have at least one component'],
    ['Busybox', 'repository name must be lowercase'],
    ['abc@badid', 'invalid reference format'],
    ['a/b@sha256:something', 'invalid reference format'],
    ['a-|///bbb', 'invalid reference format'],
    ['test///un/parse/able/image', 'invalid reference format'],
    [`a@sha256:${'a'.repeat(40)}`, 'invalid checksum digest length'],
    [`a@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm'],
    [`${'a'.repeat(256)}`, 'repository name must not be more than 255 characters'],
  ];
  for (const [spec, msg] of bad)
    it(`rejects ${JSON.stringify(spec.slice(0, 30))} with "${msg}"`, () => assert.throws(() => parseDockerImageReference(spec), { message: msg }));

  it('applies Docker client defaults and renders exact and full forms', () => {
    const r = parseDockerImageReference('busybox');
    assert.equal(exact(dockerClientDefaults(r)), 'docker.io/library/busybox:latest');
    assert.equal(referenceString({ ...r, registry: 'docker.io' }), 'docker.io/library/busybox');
    assert.deepEqual(registryHostPort(r, false), { host: 'registry-1.docker.io', port: '443' });
    assert.deepEqual(registryHostPort(parseDockerImageReference('h:5000/x'), true), { host: 'h', port: '5000' });
  });
});
