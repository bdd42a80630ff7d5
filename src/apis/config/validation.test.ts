import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterImageConfig } from './schema.js';
import { validateClusterImageSpec, validateClusterImageStatus } from './validation.js';

const cfg = (spec: ClusterImageConfig['spec'], status?: ClusterImageConfig['status']): ClusterImageConfig => ({
  metadata: { name: 'cluster' },
  spec,
  ...(status ? { status } : {}),
});

describe('cluster image config validation', () => {
  it('accepts host[:port] patterns with wildcards', () => {
    assert.deepEqual(
      validateClusterImageSpec(
        cfg({ allowedRegistriesForImport: [{ domainName: 'quay.io' }, { domainName: '*.example.com:5000' }, { domainName: 'reg?.io:*' }] }),
      ),
      [],
    );
  });

  it('rejects a path in allowedRegistriesForImport with a message that says only host[:port] is matched', () => {
    const errs = validateClusterImageSpec(cfg({ allowedRegistriesForImport: [{ domainName: 'quay.io/openshift-release-dev' }] }));
    assert.equal(errs[0]?.field, 'spec.allowedRegistriesForImport[0].domainName');
    assert.match(errs[0]?.detail ?? '', /only host\[:port\] patterns are matched/);
    assert.equal(validateClusterImageSpec(cfg({ allowedRegistriesForImport: [{}] }))[0]?.type, 'FieldValueRequired');
  });

  it('allows only one of allowedRegistries and blockedRegistries', () => {
    const errs = validateClusterImageSpec(cfg({ registrySources: { allowedRegistries: ['a.io'], blockedRegistries: ['b.io'] } }));
    assert.equal(errs[0]?.field, 'spec.registrySources');
    assert.match(errs[0]?.detail ?? '', /Only one of blockedRegistries or allowedRegistries may be set/);
    assert.deepEqual(validateClusterImageSpec(cfg({ registrySources: { blockedRegistries: ['*.bad.io', 'quay.io/org/repo', 'h:5000'] } })), []);
    assert.equal(
      validateClusterImageSpec(cfg({ registrySources: { insecureRegistries: ['Not Valid'] } }))[0]?.field,
      'spec.registrySources.insecureRegistries[0]',
    );
  });

  it('checks hostnames and the import mode', () => {
    assert.equal(validateClusterImageSpec(cfg({ externalRegistryHostnames: ['bad host'] }))[0]?.field, 'spec.externalRegistryHostnames[0]');
    assert.equal(validateClusterImageSpec(cfg({ imageStreamImportMode: 'Sometimes' }))[0]?.type, 'FieldValueNotSupported');
    assert.deepEqual(validateClusterImageStatus(cfg({}, { internalRegistryHostname: 'image-registry.openshift-image-registry.svc:5000' })), []);
    assert.equal(validateClusterImageStatus(cfg({}, { internalRegistryHostname: 'a b' }))[0]?.field, 'status.internalRegistryHostname');
  });
});
