import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { limitMetadata } from './metadata-limit.js';

const meta = () => ({
  kind: 'DockerImage',
  apiVersion: 'image.openshift.io/1.0',
  Id: 'sha256:c',
  Created: '2025-01-01T00:00:00Z',
  Architecture: 'amd64',
  Size: 123,
  Author: 'a'.repeat(300),
  ContainerConfig: { Labels: { big: 'y'.repeat(2000) }, Env: ['E=1'] },
  Config: { Labels: { big: 'x'.repeat(4000) }, Env: ['PATH=/bin', 'LONG='.padEnd(3000, 'z')], Cmd: ['/app'] },
});
const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe('metadata beyond the config limit', () => {
  it('is left alone when it fits', () => {
    const m = meta();
    assert.deepEqual(limitMetadata(m, 1_000_000), []);
    assert.deepEqual(m, meta());
  });

  it('loses labels first, and only as much as needed', () => {
    const m = meta();
    assert.deepEqual(limitMetadata(m, size(meta()) - 3000), ['Config.Labels']);
    assert.deepEqual(m.Config.Env, meta().Config.Env);
    assert.deepEqual(m.ContainerConfig, meta().ContainerConfig);
  });

  it('then the container config, the largest runtime fields, the largest other fields; never the digest, size, time or architecture', () => {
    const m: Record<string, unknown> = meta();
    assert.deepEqual(limitMetadata(m, 600), ['Config.Labels', 'ContainerConfig.Labels', 'ContainerConfig', 'Config.Env']);
    assert.ok(size(m) <= 600);
    const tight: Record<string, unknown> = meta();
    assert.deepEqual(limitMetadata(tight, 150), ['Config.Labels', 'ContainerConfig.Labels', 'ContainerConfig', 'Config.Env', 'Config.Cmd', 'Author', 'Config']);
    assert.deepEqual(Object.keys(tight).sort(), ['Architecture', 'ContainerConfig', 'Created', 'Id', 'Size', 'apiVersion', 'kind']);
    assert.deepEqual(tight['ContainerConfig'], {});
  });
});
