import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { shortHumanDuration } from './age.js';

describe('shortHumanDuration', () => {
  const s = 1000;
  const cases: [number, string][] = [
    [0, '0s'],
    [59 * s, '59s'],
    [119 * s, '119s'],
    [150 * s, '2m30s'],
    [10 * 60 * s, '10m'],
    [179 * 60 * s, '179m'],
    [3 * 3600 * s + 20 * 60 * s, '3h20m'],
    [30 * 3600 * s, '30h'],
    [50 * 3600 * s, '2d2h'],
    [30 * 24 * 3600 * s, '30d'],
    [(3 * 365 + 12) * 24 * 3600 * s, '3y12d'],
  ];
  for (const [ms, want] of cases) it(`prints ${ms} ms as ${want}`, () => assert.equal(shortHumanDuration(ms), want));
});
