// The layering rules of src/, run by `npm run lint` (and so by `npm test`): exits 1 when one is broken. A small
// script rather than dependency-cruiser: that tool parses TypeScript through the compiler's
// JavaScript API, which TypeScript 7 (the native compiler this project uses) no longer ships.
//
// Rules:
// 1. No import cycles between the top-level folders of src/ (and none between resource groups).
// 2. storage/ and api/ import only util/ (not each other), and util/ imports nothing.
// 3. The generic machinery (apiserver/) imports no kind: nothing from apis/ or resources/.
// 4. Nothing imports server/ (but main.ts and migrate.ts, the entry points).
// 5. registry/, cli/ and prune/ import only what ALLOWED lists for them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const SRC = 'src';
/** What each layer may import besides itself. */
const ALLOWED = {
  util: [],
  storage: ['util'],
  api: ['util'],
  // The registry reaches the image API only through the functions of registry/backend.ts.
  registry: ['api', 'apis', 'auth', 'importer', 'util'],
  // The kubectl plugin is a client: it reaches the server only over HTTP.
  cli: ['api', 'apis', 'prune', 'util'],
  // Pruning reaches the stores and the registry only through the functions of prune/backend.ts.
  prune: ['api', 'apis', 'util'],
};
const NO_KINDS = ['apiserver'];
const ENTRY_POINTS = new Set(['main.ts', 'migrate.ts']);

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** `apiserver`, `resources/image`, …: the unit cycles are checked between. */
function unitOf(path) {
  const parts = relative(SRC, path).split('/');
  if (parts.length === 1) return parts[0];
  return parts[0] === 'resources' && parts.length > 2 ? `resources/${parts[1]}` : parts[0];
}

const edges = new Map();
const problems = [];
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
for (const file of walk(SRC)) {
  const text = readFileSync(file, 'utf8');
  const from = unitOf(file);
  const top = from.split('/')[0];
  for (const m of text.matchAll(IMPORT)) {
    const target = normalize(join(dirname(file), m[1] ?? m[2]));
    if (!target.startsWith(`${SRC}/`)) continue;
    const to = unitOf(target);
    const toTop = to.split('/')[0];
    if (to === from) continue;
    const where = `${file} imports ${relative(SRC, target)}`;
    if (ALLOWED[top] && toTop !== top && !ALLOWED[top].includes(toTop)) problems.push(`${top}/ may not import ${toTop}/: ${where}`);
    if (NO_KINDS.includes(top) && (toTop === 'apis' || toTop === 'resources')) problems.push(`the generic machinery imports no kind: ${where}`);
    if (toTop === 'server' && top !== 'server' && !ENTRY_POINTS.has(relative(SRC, file))) problems.push(`nothing imports server/: ${where}`);
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, where);
  }
}

// Cycles between units: a depth-first search that reports each back edge with the path it closes.
const state = new Map();
const stack = [];
function visit(u) {
  state.set(u, 'open');
  stack.push(u);
  for (const [v, where] of edges.get(u) ?? []) {
    if (state.get(v) === 'open') {
      const cycle = [...stack.slice(stack.indexOf(v)), v];
      problems.push(`import cycle ${cycle.join(' → ')} (closed by ${where})`);
    } else if (!state.has(v)) visit(v);
  }
  stack.pop();
  state.set(u, 'done');
}
for (const u of [...edges.keys()].sort()) if (!state.has(u)) visit(u);

if (problems.length) {
  console.error(`layering: ${problems.length} problem(s)\n${problems.map((p) => `- ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`layering: ${edges.size} units, no cycles, every rule holds`);
