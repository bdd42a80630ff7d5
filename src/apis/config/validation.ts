/**
 * Validation of the cluster image config. Unlike the reference, allowedRegistriesForImport entries
 * are checked when written: the importer matches only `host[:port]` patterns, so an entry with a
 * path (`quay.io/org`) would silently never match; it is rejected with a message saying so.
 */
import { fieldErr, type FieldError } from '../../api/errors.js';
import type { ClusterImageConfig } from './schema.js';

const HOST_PATTERN = /^[A-Za-z0-9*?]([A-Za-z0-9*?.-]*[A-Za-z0-9*?])?(:([0-9]{1,5}|\*))?$/;
const HOSTNAME = /^(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:[0-9]{1,5})?$/;
const SOURCE_ENTRY =
  /^(\*(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*)$/;
export const IMPORT_MODES = ['', 'Legacy', 'PreserveOriginal'] as const;

function validateHostnames(list: readonly string[] | undefined, path: string): FieldError[] {
  return (list ?? []).flatMap((h, i) =>
    HOSTNAME.test(h) ? [] : [fieldErr.invalid(`${path}[${i}]`, h, 'must be a hostname with an optional port, in "hostname[:port]" format')],
  );
}

function validateSources(entries: readonly string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if ((entries?.length ?? 0) > 1024) errs.push({ type: 'FieldValueTooMany', field: path, value: entries?.length, detail: 'must have at most 1024 items' });
  (entries ?? []).forEach((e, i) => {
    if (e.length > 256) errs.push(fieldErr.tooLong(`${path}[${i}]`, e, 256));
    else if (!SOURCE_ENTRY.test(e))
      errs.push(fieldErr.invalid(`${path}[${i}]`, e, 'must be a registry in "hostname[:port][/path]" form, or a wildcard domain "*.example.com"'));
  });
  return errs;
}

export function validateClusterImageSpec(cfg: ClusterImageConfig): FieldError[] {
  const errs: FieldError[] = [];
  const spec = cfg.spec ?? {};
  (spec.allowedRegistriesForImport ?? []).forEach((loc, i) => {
    const path = `spec.allowedRegistriesForImport[${i}].domainName`;
    const name = loc.domainName ?? '';
    if (name === '') errs.push(fieldErr.required(path));
    else if (name.includes('/'))
      errs.push(
        fieldErr.invalid(
          path,
          name,
          `only host[:port] patterns are matched against the registry of an import; a path never matches (use "${name.split('/')[0]}")`,
        ),
      );
    else if (!HOST_PATTERN.test(name))
      errs.push(
        fieldErr.invalid(path, name, 'must be a host[:port] pattern where the host may use the wildcards "*" and "?" (e.g. "quay.io", "*.example.com:5000")'),
      );
  });
  errs.push(...validateHostnames(spec.externalRegistryHostnames, 'spec.externalRegistryHostnames'));
  const rs = spec.registrySources;
  if (rs) {
    if ((rs.allowedRegistries?.length ?? 0) > 0 && (rs.blockedRegistries?.length ?? 0) > 0)
      errs.push(fieldErr.invalid('spec.registrySources', '', 'Only one of blockedRegistries or allowedRegistries may be set'));
    errs.push(...validateSources(rs.allowedRegistries, 'spec.registrySources.allowedRegistries'));
    errs.push(...validateSources(rs.blockedRegistries, 'spec.registrySources.blockedRegistries'));
    errs.push(...validateSources(rs.insecureRegistries, 'spec.registrySources.insecureRegistries'));
    errs.push(...validateSources(rs.containerRuntimeSearchRegistries, 'spec.registrySources.containerRuntimeSearchRegistries'));
  }
  if (spec.imageStreamImportMode !== undefined && !(IMPORT_MODES as readonly string[]).includes(spec.imageStreamImportMode))
    errs.push(fieldErr.notSupported('spec.imageStreamImportMode', spec.imageStreamImportMode, ['Legacy', 'PreserveOriginal']));
  return errs;
}

export function validateClusterImageStatus(cfg: ClusterImageConfig): FieldError[] {
  const errs: FieldError[] = [];
  const st = cfg.status ?? {};
  if (st.internalRegistryHostname && !HOSTNAME.test(st.internalRegistryHostname))
    errs.push(
      fieldErr.invalid('status.internalRegistryHostname', st.internalRegistryHostname, 'must be a hostname with an optional port, in "hostname[:port]" format'),
    );
  errs.push(...validateHostnames(st.externalRegistryHostnames, 'status.externalRegistryHostnames'));
  if (st.imageStreamImportMode !== undefined && !(IMPORT_MODES as readonly string[]).includes(st.imageStreamImportMode))
    errs.push(fieldErr.notSupported('status.imageStreamImportMode', st.imageStreamImportMode, ['Legacy', 'PreserveOriginal']));
  return errs;
}
