import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * `local/no-import-cycle`: fails on a file that takes part in an import cycle
 * under `root` (default `src`). Type-only imports count too: a cycle of types
 * is still two modules that cannot be understood (or moved) one without the other.
 *
 * Written here rather than taken from eslint-plugin-import(-x): those resolve
 * every import of every file through a resolver per lint run, which costs
 * seconds on this tree; this reads each file under `root` once per process with
 * TypeScript's own import scanner and resolves only relative specifiers (the
 * code base has no path aliases).
 */

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs'];
const graphs = new Map(); // root dir -> Map<file, string[]>

function importsOf(file, text) {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  const out = [];
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith('.')) continue;
    const resolved = resolve(path.dirname(file), fileName.replace(/\?.*$/, ''));
    if (resolved) out.push(resolved);
  }
  return out;
}

function resolve(dir, spec) {
  const base = path.resolve(dir, spec);
  const candidates = [base, ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => path.join(base, 'index' + e))];
  // `./x.js` written for a `x.ts` source (NodeNext style).
  if (/\.[cm]?js$/.test(base)) candidates.push(base.replace(/\.([cm]?)js$/, '.$1ts'));
  for (const c of candidates) {
    try {
      if (fs.statSync(c).isFile()) return c;
    } catch {
      // not this one
    }
  }
  return null;
}

function graphFor(rootDir) {
  let graph = graphs.get(rootDir);
  if (graph) return graph;
  graph = new Map();
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(full);
      } else if (EXTENSIONS.some((e) => entry.name.endsWith(e)) && !entry.name.endsWith('.d.ts')) {
        graph.set(full, importsOf(full, fs.readFileSync(full, 'utf8')));
      }
    }
  };
  if (fs.existsSync(rootDir)) walk(rootDir);
  graphs.set(rootDir, graph);
  return graph;
}

/** The shortest path of imports from `start`'s imports back to `start`, or null. */
function cycleThrough(start, graph, ownImports) {
  const previous = new Map();
  const queue = [];
  for (const next of ownImports) {
    if (next === start) return [start];
    if (!previous.has(next)) {
      previous.set(next, start);
      queue.push(next);
    }
  }
  while (queue.length) {
    const file = queue.shift();
    for (const next of graph.get(file) ?? []) {
      if (next === start) {
        const chain = [file];
        for (let at = previous.get(file); at !== start; at = previous.get(at)) chain.unshift(at);
        return [start, ...chain];
      }
      if (!previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
    }
  }
  return null;
}

export const noImportCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid import cycles between modules under a root folder.' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
    messages: { cycle: 'Import cycle: {{chain}}. Move the shared piece into a module both can import, or pass the dependency in.' }
  },
  create(context) {
    const cwd = context.cwd ?? process.cwd();
    const rootDir = path.resolve(cwd, context.options[0]?.root ?? 'src');
    const file = path.resolve(context.filename);
    if (!file.startsWith(rootDir + path.sep)) return {};
    return {
      'Program:exit'(node) {
        const graph = graphFor(rootDir);
        const chain = cycleThrough(file, graph, importsOf(file, context.sourceCode.text));
        if (!chain) return;
        const names = [...chain, file].map((f) => path.relative(rootDir, f));
        context.report({ node, messageId: 'cycle', data: { chain: names.join(' -> ') } });
      }
    };
  }
};

export default { rules: { 'no-import-cycle': noImportCycle } };
