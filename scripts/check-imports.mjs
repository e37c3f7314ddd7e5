#!/usr/bin/env node
// check-imports.mjs: the web client's module graph (www/**/*.js) has no import
// cycle, and, given a layer order, no lower layer imports a higher one (issue 16:
// "restructure so the architecture shows"). No dependencies; plain Node.
//
//   node scripts/check-imports.mjs [--root DIR] [--layers SPEC] [--graph]
//
// It reads the static imports of every .js file under DIR (default: www/ next to
// this script): `import ... from '...'`, `import '...'`, `export ... from '...'`
// with a relative path. Dynamic import() and JSDoc `import('...')` types are not
// imports. It prints every cycle, one line each ("cycle: a.js -> b.js -> a.js"),
// a strongly connected component of more than one module or a module importing
// itself, and exits 1 if there is one.
//
// --layers lists the layers from the bottom up, separated by commas; a layer is
// one or more names joined by '+', each a top folder of DIR (input, ui, ...), a
// file directly in DIR (state.js), or a module's path (input/keys.js), which
// places that module apart from its folder. A module may import its own layer or a lower
// one; an import upward prints "upward: a.js (layer) -> b.js (layer)" and exits 1.
// A module in no listed layer prints "unlayered: x.js" and exits 1, so a new folder
// must be given its place. --layers=default uses the client's own order, LAYERS
// below (docs/decisions.md, "Layout: the web client").
//
// --graph prints the module graph (one "a.js -> b.js" line per import) and exits 0.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The web client's layers, bottom up. Lower layers never import higher ones; a
 * higher layer learns of events below through hooks it registers (main.js, the
 * composition root, wires them at boot).
 */
export const LAYERS = [
  'constants.js+text.js+version.js', // pure values and wording
  'settings.js+state.js+items/registry.js+input/keys.js', // stored settings, shared state, the server's item catalogue, key names
  'net', // the wire: protocol, signalling socket, heartbeat
  'audio', // the sound engine
  'ui', // the page: live regions, DOM, forms, dialogs, diagnostics
  'webrtc', // voice connections (play through ui/media-elements.js)
  'services.js+session/media.js', // the shared instances: engine, media, peers, sfu, socket
  'feedback.js', // say(), tones, the chat log
  'session', // connect, welcome, reconnect, disconnect; tells the world through hooks
  'input/menu.js+input/commands.js+input/help-view.js+help.js', // shared controls: the list control, the palette's registry, the help
  'world+items+piano+admin', // the world and what is in it
  'input', // what the keys do: key maps, modes, the router
  'main.js', // the composition root: wires the hooks at boot
].join(',');

/** Every .js file under dir, as paths relative to dir with '/' separators. @param {string} dir */
function listJs(dir) {
  /** @type {string[]} */
  const out = [];
  /** @param {string} d */
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.js') || name.endsWith('.mjs')) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

/**
 * The source without comments (strings kept, so an import path survives). Quotes
 * end at the line's end, so a quote in a regular expression spoils one line only.
 * @param {string} src
 */
export function stripComments(src) {
  let out = '';
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    const d = src[i + 1];
    if (c === '/' && d === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === '/' && d === '/') {
      while (i < n && src[i] !== '\n') { out += ' '; i++; }
    } else if (c === '\'' || c === '"' || c === '`') {
      out += c;
      i++;
      while (i < n && src[i] !== c && (c === '`' || src[i] !== '\n')) {
        if (src[i] === '\\' && i + 1 < n) { out += src[i] + src[i + 1]; i += 2; continue; }
        out += src[i];
        i++;
      }
      if (i < n) { out += src[i]; i++; }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The specifiers of a module's static imports and re-exports. @param {string} src */
export function importsOf(src) {
  const code = stripComments(src);
  /** @type {string[]} */
  const specs = [];
  const from = /(?:^|[;}\n])[ \t]*(?:import|export)\b[^;'"`]*?\bfrom[ \t\n]*(['"])([^'"\n]+)\1/g;
  const bare = /(?:^|[;}\n])[ \t]*import[ \t\n]*(['"])([^'"\n]+)\1/g;
  for (const re of [from, bare]) {
    let m;
    while ((m = re.exec(code)) !== null) specs.push(m[2]);
  }
  return specs;
}

/**
 * The module graph: for each file (relative to root), the files it imports.
 * @param {string} root
 * @returns {Map<string, string[]>}
 */
export function buildGraph(root) {
  const files = listJs(root);
  /** @type {Map<string, string[]>} */
  const graph = new Map();
  for (const f of files) {
    const src = readFileSync(join(root, f), 'utf8');
    /** @type {string[]} */
    const deps = [];
    for (const spec of importsOf(src)) {
      if (!spec.startsWith('./') && !spec.startsWith('../')) continue;
      const target = relative(root, resolve(root, dirname(f), spec)).split(sep).join('/');
      if (!deps.includes(target)) deps.push(target);
    }
    graph.set(f, deps);
  }
  return graph;
}

/**
 * The cycles: strongly connected components (Tarjan) of more than one module,
 * or one module that imports itself; each as a closed path through its modules.
 * @param {Map<string, string[]>} graph
 * @returns {string[][]}
 */
export function cycles(graph) {
  let index = 0;
  /** @type {Map<string, number>} */ const idx = new Map();
  /** @type {Map<string, number>} */ const low = new Map();
  /** @type {string[]} */ const stack = [];
  const onStack = new Set();
  /** @type {string[][]} */ const sccs = [];
  /** @param {string} v */
  const strong = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) || []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      /** @type {string[]} */ const comp = [];
      let w;
      do { w = stack.pop(); onStack.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1 || (graph.get(v) || []).includes(v)) sccs.push(comp.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) strong(v);
  return sccs.sort((a, b) => a[0].localeCompare(b[0])).map((comp) => closedPath(graph, comp));
}

/**
 * A closed walk through every module of a component, for the report: from its
 * first module, breadth-first to each next one still unvisited, back to the start.
 * @param {Map<string, string[]>} graph @param {string[]} comp
 */
function closedPath(graph, comp) {
  const inComp = new Set(comp);
  /** @param {string} a @param {string} b */
  const path = (a, b) => {
    /** @type {Map<string, string>} */ const prev = new Map([[a, '']]);
    const queue = [a];
    while (queue.length) {
      const v = queue.shift();
      for (const w of graph.get(v) || []) {
        if (!inComp.has(w)) continue;
        if (w === b) {
          const p = [b];
          for (let u = v; u !== a; u = prev.get(u)) p.unshift(u);
          return p;
        }
        if (!prev.has(w)) { prev.set(w, v); queue.push(w); }
      }
    }
    return [b];
  };
  const walk = [comp[0]];
  const seen = new Set([comp[0]]);
  for (const target of comp) {
    if (seen.has(target)) continue;
    for (const v of path(walk[walk.length - 1], target)) { walk.push(v); seen.add(v); }
  }
  walk.push(...path(walk[walk.length - 1], comp[0]));
  return walk;
}

/**
 * The layer of each name: its index in the bottom-up spec.
 * @param {string} spec
 * @returns {Map<string, number>}
 */
export function parseLayers(spec) {
  /** @type {Map<string, number>} */
  const m = new Map();
  spec.split(',').map((s) => s.trim()).filter(Boolean).forEach((layer, i) => {
    for (const name of layer.split('+').map((s) => s.trim()).filter(Boolean)) {
      if (m.has(name)) throw new Error(`${name} is in two layers`);
      m.set(name, i);
    }
  });
  return m;
}

/**
 * A module's layer name: the module's own path if the layers name it (a module
 * placed apart from its folder), else its top folder (its file name for a file
 * in the root).
 * @param {Map<string, number>} layers @param {string} f
 */
const layerName = (layers, f) => (layers.has(f) ? f : f.split('/')[0]);

/**
 * The imports that go up the layer order, and the modules in no layer.
 * @param {Map<string, string[]>} graph @param {Map<string, number>} layers
 */
export function layerViolations(graph, layers) {
  /** @type {string[]} */ const upward = [];
  /** @type {string[]} */ const unlayered = [];
  for (const [f, deps] of graph) {
    const a = layers.get(layerName(layers, f));
    if (a === undefined) { unlayered.push(f); continue; }
    for (const d of deps) {
      const b = layers.get(layerName(layers, d));
      if (b !== undefined && b > a) upward.push(`${f} (${layerName(layers, f)}) -> ${d} (${layerName(layers, d)})`);
    }
  }
  return { upward: upward.sort(), unlayered: unlayered.sort() };
}

function main() {
  const here = dirname(fileURLToPath(import.meta.url));
  let root = join(here, '..', 'www');
  /** @type {string|null} */ let layerSpec = null;
  let showGraph = false;
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i]);
    if (a === '--root' || a.startsWith('--root=')) root = resolve(value());
    else if (a === '--layers' || a.startsWith('--layers=')) layerSpec = value();
    else if (a === '--graph') showGraph = true;
    else {
      console.error('usage: check-imports.mjs [--root DIR] [--layers SPEC|default] [--graph]');
      process.exit(2);
    }
  }
  if (!existsSync(root)) {
    console.error(`check-imports: no folder ${root}`);
    process.exit(2);
  }
  const graph = buildGraph(root);
  if (showGraph) {
    for (const [f, deps] of [...graph].sort()) for (const d of deps) console.log(`${f} -> ${d}`);
    return;
  }
  let bad = false;
  for (const c of cycles(graph)) {
    console.log(`cycle: ${c.join(' -> ')}`);
    bad = true;
  }
  if (layerSpec !== null) {
    let layers;
    try {
      layers = parseLayers(layerSpec === 'default' ? LAYERS : layerSpec);
    } catch (e) {
      console.error(`check-imports: --layers: ${e.message}`);
      process.exit(2);
    }
    const { upward, unlayered } = layerViolations(graph, layers);
    for (const u of upward) console.log(`upward: ${u}`);
    for (const u of unlayered) console.log(`unlayered: ${u}`);
    if (upward.length || unlayered.length) bad = true;
  }
  const edges = [...graph.values()].reduce((s, d) => s + d.length, 0);
  console.log(`${bad ? 'FAIL' : 'ok'}: ${graph.size} modules, ${edges} imports`);
  process.exit(bad ? 1 : 0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
