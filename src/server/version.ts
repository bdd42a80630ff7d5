/** What GET /version answers (a version.Info, as kubectl expects). */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const [major = '0', minor = '0'] = pkg.version.split('.');

export const VERSION_INFO = {
  major,
  minor,
  gitVersion: `v${pkg.version}`,
  gitCommit: '',
  gitTreeState: '',
  buildDate: '',
  goVersion: '',
  compiler: 'node',
  platform: `${process.platform}/${process.arch}`,
  emulationMajor: major,
  emulationMinor: minor,
} as const;
