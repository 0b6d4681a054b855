// The distill HTML report: a zoomable treemap (entry/route → file → package → module), a
// sortable table of the same data, and the duplicates, budgets, diff and diagnostics panels.
//
// Invariant: every string that comes from the build (paths, module sources, package names,
// budget names, messages) reaches the page through textContent, a text node, a property such as
// `title`, or canvas fillText, and never through an API that parses markup (html.rs tests for
// their names). Source-map paths come from third-party packages and are hostile input.
//
// Scale: the treemap is drawn on one canvas and only the tiles big enough to see are laid out,
// and the table renders at most ROW_LIMIT rows, so the DOM stays bounded whatever the build.
(function () {
  'use strict';

  const T0 = performance.now();
  const report = JSON.parse(document.getElementById('distill-data').textContent);
  const T_PARSED = performance.now();

  const ENC = ['raw', 'gzip', 'brotli', 'zstd'];
  const RAW = 0;
  const ROW_LIMIT = 500;
  const HEADER = 16;
  const FRAMEWORKS = {
    'vite': 'Vite (manifest)',
    'vite-html': 'Vite (no manifest)',
    'next-webpack': 'Next.js (webpack)',
    'next-turbopack': 'Next.js (Turbopack)',
    'plain': 'plain folder',
  };
  const KIND_HUE = {
    script: [45, 85, 62],
    stylesheet: [200, 70, 64],
    image: [140, 42, 60],
    font: [280, 40, 70],
    document: [20, 75, 66],
    media: [330, 50, 70],
    other: [0, 0, 74],
  };
  const STATUS_COLOR = {
    fail: [0, 68, 64],
    warn: [38, 90, 60],
    pass: [130, 40, 62],
    none: [0, 0, 82],
    grew: [0, 68, 66],
    shrank: [130, 40, 62],
    new: [265, 55, 72],
    same: [0, 0, 82],
  };
  const BUCKET_COLOR = [0, 0, 80];
  const GROUP_COLOR = [220, 14, 32];

  // ---------------------------------------------------------------- formatting

  function fmt(n) {
    if (n == null || Number.isNaN(n)) return '—';
    n = Math.round(n);
    if (Math.abs(n) < 1000) return n + ' B';
    const units = ['kB', 'MB', 'GB', 'TB'];
    let v = n / 1000;
    let u = 0;
    while (Math.abs(v) >= 1000 && u + 1 < units.length) {
      v /= 1000;
      u++;
    }
    return (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(2)) + ' ' + units[u];
  }

  function fmtDelta(n) {
    if (n == null) return '—';
    if (n === 0) return '±0 B';
    return (n > 0 ? '+' : '−') + fmt(Math.abs(n));
  }

  function pct(part, whole) {
    if (!whole) return '';
    const p = (100 * part) / whole;
    return (p >= 10 ? p.toFixed(0) : p.toFixed(1)) + '%';
  }

  function plural(n, one, many) {
    return n.toLocaleString('en-US') + ' ' + (n === 1 ? one : many);
  }

  function basename(path) {
    const i = path.lastIndexOf('/', path.length - 2);
    return i < 0 ? path : path.slice(i + 1);
  }

  // Builds an element; children are nodes or strings (strings become text nodes, never HTML).
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      for (const k of Object.keys(props)) {
        const v = props[k];
        if (v == null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k === 'title') e.title = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else if (k === 'dataset') Object.assign(e.dataset, v);
        else e.setAttribute(k, v);
      }
    }
    for (const c of children) {
      if (c == null || c === false) continue;
      e.append(c);
    }
    return e;
  }

  function hsl(c, dl, ds) {
    const s = ds == null ? c[1] : c[1] * ds;
    const l = Math.max(0, Math.min(100, c[2] + (dl || 0)));
    return 'hsl(' + c[0] + ',' + s.toFixed(0) + '%,' + l.toFixed(0) + '%)';
  }

  function dimColor(c) {
    return 'hsl(' + c[0] + ',' + (c[1] * 0.25).toFixed(0) + '%,92%)';
  }

  function hash(s) {
    let h = 2166136261;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 16777619);
    }
    return h >>> 0;
  }

  // ---------------------------------------------------------------- the model

  // A tree node. File nodes are shared between the groups that load the same file (an
  // occurrence is an Object.create() of the file node), so 10 routes sharing a vendor chunk
  // cost one subtree, not ten.
  function Node(type, name) {
    this.type = type; // root | group | file | package | module
    this.name = name;
    this.v = [0, 0, 0, 0]; // size per encoding, in ENC order
    this.est = 0; // bit i set: v[i] is an estimate (see `estimate` in the tooltip)
    this.children = null;
    this.m = false; // matches the search
    this.hm = false; // has a matching descendant
    this.fp = null; // the build file this node belongs to
    this.low = name.toLowerCase();
  }

  const payload = report.files.filter((f) => f.kind !== 'map');
  const measured = ENC.map((e, i) => i === RAW || payload.some((f) => f.sizes[e] != null));

  const budgetOf = new Map(); // file path → worst verdict status
  const verdictsOf = new Map(); // file path → verdicts that select it
  const RANK = { fail: 3, warn: 2, pass: 1, empty: 0 };
  if (report.budgets) {
    for (const v of report.budgets.verdicts) {
      for (const p of v.files || []) {
        const prev = budgetOf.get(p);
        if (!prev || (RANK[v.status] || 0) > (RANK[prev] || 0)) budgetOf.set(p, v.status);
        if (!verdictsOf.has(p)) verdictsOf.set(p, []);
        verdictsOf.get(p).push(v);
      }
    }
  }

  const diffOf = new Map(); // file path → FileDiff
  const removed = [];
  if (report.diff) {
    for (const d of report.diff.files) {
      if (d.path != null) diffOf.set(d.path, d);
      else removed.push(d);
    }
  }

  function sizeOf(sizes, i) {
    const v = sizes ? sizes[ENC[i]] : null;
    return v == null ? null : v;
  }

  const fileNodes = [];
  const fileByPath = new Map();
  let moduleCount = 0;
  for (const f of payload) {
    const fn = new Node('file', f.path);
    fn.f = f;
    fn.fp = f.path;
    fn.label = basename(f.path);
    for (let i = 0; i < 4; i++) {
      const v = sizeOf(f.sizes, i);
      if (v == null) {
        fn.v[i] = f.sizes.raw;
        fn.est |= 1 << i;
      } else fn.v[i] = v;
    }
    if (f.modules && f.modules.length) {
      fn.children = [];
      const packages = new Map();
      for (const m of f.modules) {
        moduleCount++;
        const mn = new Node('module', m.source);
        mn.mod = m;
        mn.fp = f.path;
        mn.pkg = m.package == null ? null : m.package;
        mn.label = basename(m.source);
        mn.v[RAW] = m.raw;
        for (let i = 1; i < 4; i++) {
          const v = m[ENC[i]];
          if (v != null) mn.v[i] = v;
          else {
            // Not measured for this module: its raw share of the file's size.
            mn.v[i] = f.sizes.raw ? (fn.v[i] * m.raw) / f.sizes.raw : 0;
            mn.est |= 1 << i;
          }
        }
        if (mn.pkg == null) {
          fn.children.push(mn);
          continue;
        }
        const key = m.version ? mn.pkg + '@' + m.version : mn.pkg;
        let pn = packages.get(key);
        if (!pn) {
          pn = new Node('package', key);
          pn.pkg = mn.pkg;
          pn.fp = f.path;
          pn.label = key;
          pn.children = [];
          packages.set(key, pn);
          fn.children.push(pn);
        }
        pn.children.push(mn);
        mn.parentPkg = pn;
        for (let i = 0; i < 4; i++) pn.v[i] += mn.v[i];
        pn.est |= mn.est;
      }
    }
    fileNodes.push(fn);
    fileByPath.set(f.path, fn);
  }

  const sets = [];
  for (const e of report.entries || []) sets.push({ kind: 'entry', s: e });
  for (const r of report.routes || []) sets.push({ kind: 'route', s: r });
  const loadsOf = new Map(); // file path → { initial: [names], lazy: [names] }
  for (const { s } of sets) {
    for (const [list, key] of [[s.initial, 'initial'], [s.lazy, 'lazy']]) {
      for (const p of list) {
        if (!loadsOf.has(p)) loadsOf.set(p, { initial: [], lazy: [] });
        loadsOf.get(p)[key].push(s.name);
      }
    }
  }

  function sumChildren(n) {
    n.v = [0, 0, 0, 0];
    n.est = 0;
    for (const c of n.children) {
      for (let i = 0; i < 4; i++) n.v[i] += c.v[i];
      n.est |= c.est;
    }
  }

  function occurrence(fn, load, group) {
    const o = Object.create(fn);
    o.load = load;
    o.group = group;
    return o;
  }

  const groupNodes = [];
  function buildSetsRoot() {
    const root = new Node('root', 'all entries and routes');
    root.children = [];
    for (const { kind, s } of sets) {
      const g = new Node('group', s.name);
      g.set = s;
      g.setKind = kind;
      g.label = s.name;
      g.children = [];
      const seen = new Set();
      for (const [list, load] of [[s.initial, 'initial'], [s.lazy, 'lazy']]) {
        for (const p of list) {
          const fn = fileByPath.get(p);
          if (!fn || seen.has(p)) continue;
          seen.add(p);
          g.children.push(occurrence(fn, load, g));
        }
      }
      sumChildren(g);
      groupNodes.push(g);
      root.children.push(g);
    }
    const rest = fileNodes.filter((fn) => !loadsOf.has(fn.fp));
    if (rest.length) {
      const g = new Node('group', 'other files');
      g.label = 'other files';
      g.other = true;
      g.children = rest.map((fn) => occurrence(fn, null, g));
      sumChildren(g);
      groupNodes.push(g);
      root.children.push(g);
    }
    sumChildren(root);
    return root;
  }

  function buildFilesRoot() {
    const root = new Node('root', 'all files');
    root.children = fileNodes.slice();
    sumChildren(root);
    return root;
  }

  const roots = { sets: buildSetsRoot(), files: buildFilesRoot() };
  const T_MODEL = performance.now();

  // ---------------------------------------------------------------- state

  const state = {
    view: 'treemap',
    size: measured[2] ? 2 : measured[1] ? 1 : 0,
    group: sets.length ? 'sets' : 'files',
    // Budgets checked: the first question is which files are over.
    color: report.budgets && report.budgets.verdicts.length ? 'budget' : 'package',
    query: '',
    zoom: null, // path of nodes from the root to the zoomed node
    tableMode: 'files',
    sort: null, // { key, dir }
  };
  state.zoom = [roots[state.group]];

  const timings = { parse: T_PARSED - T0, model: T_MODEL - T_PARSED };

  // ---------------------------------------------------------------- search

  const search = { files: 0, modules: 0, groups: 0, bytes: 0 };

  function runSearch() {
    const q = state.query.trim().toLowerCase();
    const on = q.length > 0;
    search.files = search.modules = search.groups = 0;
    for (const fn of fileNodes) {
      fn.m = on && fn.low.includes(q);
      if (fn.m) search.files++;
      let hm = false;
      if (fn.children) {
        for (const c of fn.children) {
          if (c.type === 'package') {
            const pm = on && c.low.includes(q);
            let phm = false;
            for (const mn of c.children) {
              mn.m = on && (pm || mn.low.includes(q));
              if (mn.m) {
                phm = true;
                search.modules++;
              }
            }
            c.m = pm;
            c.hm = phm;
            hm = hm || pm || phm;
          } else {
            c.m = on && c.low.includes(q);
            if (c.m) search.modules++;
            hm = hm || c.m;
          }
        }
      }
      fn.hm = hm;
    }
    for (const g of groupNodes) {
      g.m = on && !g.other && g.low.includes(q);
      if (g.m) search.groups++;
      g.hm = g.children.some((c) => c.m || c.hm);
    }
    searchBytes();
  }

  // Each matching file counts once; a matching module counts unless its file already does.
  function searchBytes() {
    const e = state.size;
    let bytes = 0;
    for (const fn of fileNodes) {
      if (fn.m) {
        bytes += fn.v[e];
        continue;
      }
      if (!fn.hm) continue;
      for (const c of fn.children) {
        if (c.type === 'package') {
          for (const mn of c.children) if (mn.m) bytes += mn.v[e];
        } else if (c.m) bytes += c.v[e];
      }
    }
    search.bytes = bytes;
    const out = document.getElementById('search-result');
    out.textContent = '';
    if (!state.query.trim()) return;
    const parts = [];
    if (search.groups) parts.push(plural(search.groups, 'entry or route', 'entries and routes'));
    parts.push(plural(search.files, 'file', 'files'));
    if (moduleCount) parts.push(plural(search.modules, 'module', 'modules'));
    out.append(parts.join(', ') + ' · ', el('b', { text: fmt(bytes) }), ' ' + ENC[e]);
  }

  // ---------------------------------------------------------------- layout

  let tiles = [];
  const sortCache = new WeakMap(); // children array → [sorted per encoding]

  function sortedKids(children, e) {
    let per = sortCache.get(children);
    if (!per) {
      per = [];
      sortCache.set(children, per);
    }
    if (!per[e]) per[e] = children.filter((c) => c.v[e] > 0).sort((a, b) => b.v[e] - a.v[e]);
    return per[e];
  }

  // Squarified treemap (Bruls, Huizing, van Wijk 2000): fill rows along the shorter side while
  // the worst aspect ratio in the row improves.
  function squarify(kids, e, x, y, w, h, place) {
    let total = 0;
    for (const k of kids) total += k.v[e];
    if (total <= 0 || w <= 0 || h <= 0) return;
    const scale = (w * h) / total;
    let i = 0;
    const n = kids.length;
    while (i < n) {
      const side = Math.min(w, h);
      const side2 = side * side;
      let sum = 0;
      let min = Infinity;
      let max = 0;
      let best = Infinity;
      let j = i;
      while (j < n) {
        const a = kids[j].v[e] * scale;
        const s = sum + a;
        const mn = Math.min(min, a);
        const mx = Math.max(max, a);
        const worst = Math.max((side2 * mx) / (s * s), (s * s) / (side2 * mn));
        if (j > i && worst > best) break;
        best = worst;
        sum = s;
        min = mn;
        max = mx;
        j++;
      }
      if (j === n) {
        // The last row takes whatever is left, so rounding never leaves a gap.
        sum = w * h;
      }
      if (w >= h) {
        const cw = Math.min(w, sum / h);
        let cy = y;
        for (let k = i; k < j; k++) {
          const ch = j === n && k === j - 1 ? y + h - cy : (kids[k].v[e] * scale) / cw;
          place(kids[k], x, cy, cw, ch);
          cy += ch;
        }
        x += cw;
        w -= cw;
      } else {
        const rh = Math.min(h, sum / w);
        let cx = x;
        for (let k = i; k < j; k++) {
          const cw = j === n && k === j - 1 ? x + w - cx : (kids[k].v[e] * scale) / rh;
          place(kids[k], cx, y, cw, rh);
          cx += cw;
        }
        y += rh;
        h -= rh;
      }
      i = j;
    }
  }

  function layout(node, e, x, y, w, h, depth, parent) {
    const t = { node, x, y, w, h, depth, parent, open: false };
    tiles.push(t);
    const kids = node.children;
    if (!kids || !kids.length) return;
    let ix = x;
    let iy = y;
    let iw = w;
    let ih = h;
    if (depth > 0) {
      if (w >= 44 && h >= 34) {
        t.header = true;
        ix += 2;
        iy += HEADER;
        iw -= 4;
        ih -= HEADER + 2;
      } else {
        ix += 1;
        iy += 1;
        iw -= 2;
        ih -= 2;
      }
    }
    // Below a few pixels the children could not be seen or pointed at: the node is one tile.
    if (iw < 6 || ih < 6) return;
    t.open = true;
    squarify(sortedKids(kids, e), e, ix, iy, iw, ih, (k, kx, ky, kw, kh) => {
      // Under a pixel a tile can be neither seen nor pointed at; its parent's colour shows.
      if (kw * kh >= 1) layout(k, e, kx, ky, kw, kh, depth + 1, t);
    });
  }

  // ---------------------------------------------------------------- colours

  function statusKey(fp) {
    if (state.color === 'budget') return budgetOf.get(fp) || 'none';
    const d = diffOf.get(fp);
    return d ? d.status : 'same';
  }

  function baseColor(node) {
    switch (node.type) {
      case 'root':
      case 'group':
        return GROUP_COLOR;
      default:
        break;
    }
    if (state.color === 'budget' || state.color === 'diff') {
      return STATUS_COLOR[statusKey(node.fp)] || STATUS_COLOR.none;
    }
    if (state.color === 'kind' || node.type === 'file') {
      const kind = node.type === 'file' ? node.f.kind : fileByPath.get(node.fp).f.kind;
      return KIND_HUE[kind] || KIND_HUE.other;
    }
    if (node.pkg == null) return BUCKET_COLOR;
    return packageColor(node.pkg);
  }

  const pkgColors = new Map();
  function packageColor(pkg) {
    let c = pkgColors.get(pkg);
    if (!c) {
      const h = hash(pkg);
      // The app's own code in blues, packages spread over the rest of the wheel.
      c = pkg.startsWith('(app)') ? [195 + (h % 40), 60, 72] : [(h % 300 + 250) % 360, 55, 70];
      pkgColors.set(pkg, c);
    }
    return c;
  }

  // ---------------------------------------------------------------- drawing

  const canvas = document.getElementById('treemap');
  const stage = document.getElementById('stage');
  const ctx = canvas.getContext('2d');
  let cssW = 0;
  let cssH = 0;
  let charW = 6.5;

  function resize() {
    const r = stage.getBoundingClientRect();
    const w = Math.floor(r.width);
    const h = Math.floor(r.height);
    if (w === cssW && h === cssH) return false;
    cssW = w;
    cssH = h;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(w * dpr));
    canvas.height = Math.max(1, Math.round(h * dpr));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.font = '11px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
    charW = ctx.measureText('abcdefghijklmnopqrstuvwxyz0123456789-.').width / 38;
    return true;
  }

  function fit(text, width) {
    const max = Math.floor((width - 6) / charW);
    if (max < 3) return null;
    return text.length <= max ? text : text.slice(0, max - 1) + '…';
  }

  function render() {
    resize();
    const start = performance.now();
    tiles = [];
    if (cssW > 0 && cssH > 0) {
      const node = state.zoom[state.zoom.length - 1];
      layout(node, state.size, 0, 0, cssW, cssH, 0, null);
    }
    const laid = performance.now();
    draw();
    const end = performance.now();
    timings.last = { layout: laid - start, draw: end - laid, total: end - start, tiles: tiles.length };
    return end - start;
  }

  const colorCache = new WeakMap(); // colour triple → [plain, darker for frames, dimmed]
  function colorStrings(c) {
    let s = colorCache.get(c);
    if (!s) {
      s = [hsl(c), hsl(c, -22), dimColor(c)];
      colorCache.set(c, s);
    }
    return s;
  }

  // Rectangles are batched by depth and colour, one path per batch: a canvas is slow at
  // switching fill styles, not at filling. Depth order keeps every child over its parent.
  function draw() {
    ctx.clearRect(0, 0, cssW, cssH);
    ctx.fillStyle = '#eef0f3';
    ctx.fillRect(0, 0, cssW, cssH);
    const searching = state.query.trim().length > 0;
    const e = state.size;
    const layers = [];
    const labels = [];
    const outlines = [];
    for (const t of tiles) {
      if (t.depth === 0) continue;
      const n = t.node;
      const x0 = Math.round(t.x);
      const y0 = Math.round(t.y);
      let w = Math.round(t.x + t.w) - x0 - 1;
      let h = Math.round(t.y + t.h) - y0 - 1;
      const cs = colorStrings(baseColor(n));
      let style;
      if (w < 1 || h < 1) {
        if (t.w * t.h < 0.5) continue;
        w = Math.max(1, w);
        h = Math.max(1, h);
        style = cs[0];
      } else {
        const dim = searching && !n.m && !n.hm;
        // Open files and packages are drawn darker than their children, so nesting shows.
        style = dim ? cs[2] : t.open && n.type !== 'group' ? cs[1] : cs[0];
        if (searching && n.m) outlines.push(x0, y0, w, h);
        if (t.open && t.header) {
          const label = fit((n.label || n.name) + ' · ' + fmt(n.v[e]), w);
          if (label) labels.push(dim ? '#7a808a' : '#ffffff', label, x0 + 4, y0 + 3);
        } else if (!t.open && w > 28 && h > 14) {
          const label = fit(n.label || n.name, w);
          if (label) {
            const color = dim ? '#9aa0aa' : n.type === 'group' ? '#ffffff' : '#1d2129';
            labels.push(color, label, x0 + 4, y0 + 3);
            // A size is drawn whole or not at all: a cut number would read as another number.
            const size = fmt(n.v[e]);
            if (h > 30 && fit(size, w) === size) labels.push(color, size, x0 + 4, y0 + 17);
          }
        }
      }
      const layer = layers[t.depth] || (layers[t.depth] = new Map());
      let rects = layer.get(style);
      if (!rects) layer.set(style, (rects = []));
      rects.push(x0, y0, w, h);
    }
    for (const layer of layers) {
      if (!layer) continue;
      for (const [style, r] of layer) {
        ctx.fillStyle = style;
        ctx.beginPath();
        for (let i = 0; i < r.length; i += 4) ctx.rect(r[i], r[i + 1], r[i + 2], r[i + 3]);
        ctx.fill();
      }
    }
    ctx.textBaseline = 'top';
    for (let i = 0; i < labels.length; i += 4) {
      if (ctx.fillStyle !== labels[i]) ctx.fillStyle = labels[i];
      ctx.fillText(labels[i + 1], labels[i + 2], labels[i + 3]);
    }
    if (outlines.length) {
      ctx.lineWidth = 2;
      ctx.strokeStyle = '#111111';
      ctx.beginPath();
      for (let i = 0; i < outlines.length; i += 4) {
        ctx.rect(outlines[i] + 1, outlines[i + 1] + 1, Math.max(0, outlines[i + 2] - 2), Math.max(0, outlines[i + 3] - 2));
      }
      ctx.stroke();
    }
  }

  function hit(x, y) {
    for (let i = tiles.length - 1; i >= 0; i--) {
      const t = tiles[i];
      if (x >= t.x && x < t.x + t.w && y >= t.y && y < t.y + t.h) return t;
    }
    return null;
  }

  // ---------------------------------------------------------------- treemap interaction

  const crumbs = document.getElementById('crumbs');
  const tooltip = document.getElementById('tooltip');

  function zoomTo(path) {
    state.zoom = path;
    hideTooltip();
    renderCrumbs();
    return render();
  }

  function renderCrumbs() {
    crumbs.textContent = '';
    state.zoom.forEach((n, i) => {
      if (i > 0) crumbs.append(el('span', { class: 'sep', text: '›' }));
      const last = i === state.zoom.length - 1;
      const label = n.type === 'root' ? n.name : n.label || n.name;
      crumbs.append(
        el('button', {
          type: 'button',
          text: label + ' · ' + fmt(n.v[state.size]),
          title: n.name,
          disabled: last ? 'disabled' : null,
          onclick: () => zoomTo(state.zoom.slice(0, i + 1)),
        }),
      );
    });
    crumbs.append(
      el('span', {
        class: 'hint',
        text: state.zoom.length > 1 ? 'click a tile to zoom in · Esc or right-click to zoom out' : 'click a tile to zoom in',
      }),
    );
  }

  // One level per click: the child of the zoomed node under the pointer, when it has children.
  function zoomInAt(x, y) {
    const t = hit(x, y);
    if (!t) return false;
    let c = t;
    while (c.parent && c.parent.depth > 0) c = c.parent;
    if (c.depth === 0 || !c.node.children || !c.node.children.length) return false;
    zoomTo(state.zoom.concat([c.node]));
    return true;
  }

  function zoomOut() {
    if (state.zoom.length > 1) zoomTo(state.zoom.slice(0, -1));
  }

  canvas.addEventListener('click', (ev) => {
    const r = canvas.getBoundingClientRect();
    const start = performance.now();
    if (zoomInAt(ev.clientX - r.left, ev.clientY - r.top)) timings.zoom = performance.now() - start;
  });
  canvas.addEventListener('contextmenu', (ev) => {
    if (state.zoom.length > 1) {
      ev.preventDefault();
      zoomOut();
    }
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.target instanceof HTMLInputElement || ev.target instanceof HTMLSelectElement) return;
    if (state.view === 'treemap' && (ev.key === 'Escape' || ev.key === 'Backspace')) zoomOut();
  });

  let hoverRaf = 0;
  let hoverAt = null;
  canvas.addEventListener('mousemove', (ev) => {
    hoverAt = [ev.clientX, ev.clientY];
    if (!hoverRaf) {
      hoverRaf = requestAnimationFrame(() => {
        hoverRaf = 0;
        const r = canvas.getBoundingClientRect();
        const t = hit(hoverAt[0] - r.left, hoverAt[1] - r.top);
        if (t && t.depth > 0) showTooltip(t, hoverAt[0], hoverAt[1]);
        else hideTooltip();
      });
    }
  });
  canvas.addEventListener('mouseleave', hideTooltip);

  function hideTooltip() {
    tooltip.hidden = true;
  }

  function describe(n) {
    switch (n.type) {
      case 'group': {
        if (n.other) return 'files in no entry or route (public files, HTML pages, unreferenced assets)';
        const s = n.set;
        return n.setKind + ' · ' + plural(s.initial.length, 'file', 'files') + ' on first load, ' + s.lazy.length + ' later';
      }
      case 'file': {
        const f = n.f;
        const parts = [f.kind, f.role.replace(/-/g, ' ')];
        if (n.load === 'initial') parts.push('first load of ' + n.group.name);
        else if (n.load === 'lazy') parts.push('loaded later by ' + n.group.name);
        else {
          const l = loadsOf.get(f.path);
          if (!l) parts.push('in no entry or route');
          else if (l.initial.length) parts.push('first load of ' + plural(l.initial.length, 'entry or route', 'entries and routes'));
          else parts.push('loaded later by ' + plural(l.lazy.length, 'entry or route', 'entries and routes'));
        }
        if (f.modules && f.modules.length) parts.push(plural(f.modules.length, 'module', 'modules'));
        else if (f.kind === 'script' || f.kind === 'stylesheet') parts.push('no module attribution');
        return parts.join(' · ');
      }
      case 'package':
        return 'package in ' + n.fp + ' · ' + plural(n.children.length, 'module', 'modules');
      case 'module':
        return (n.pkg == null ? 'bucket' : 'module of ' + n.pkg) + ' in ' + n.fp;
      default:
        return '';
    }
  }

  function showTooltip(t, cx, cy) {
    const n = t.node;
    const box = el('div');
    box.append(el('div', { class: 'name', text: n.name }));
    box.append(el('div', { class: 'meta', text: describe(n) }));
    const within = state.zoom[state.zoom.length - 1];
    const table = el('table');
    for (let i = 0; i < 4; i++) {
      if (!measured[i]) continue;
      const estimated = (n.est >> i) & 1;
      table.append(
        el(
          'tr',
          { class: i === state.size ? 'current' : null },
          el('td', { text: ENC[i] }),
          el('td', { class: 'num', text: (estimated ? '≈ ' : '') + fmt(n.v[i]) }),
          el('td', { class: 'num', text: pct(n.v[i], within.v[i]) }),
        ),
      );
    }
    box.append(table);
    const notes = [];
    const estimated = ENC.filter((k, i) => measured[i] && (n.est >> i) & 1);
    if (estimated.length) {
      notes.push(
        '≈ ' +
          estimated.join(', ') +
          (n.type === 'file'
            ? ': not measured for this file, raw size shown'
            : ': not measured per module, the file’s size shared in proportion to raw bytes'),
      );
    }
    if (n.type === 'module' && n.mod.method) {
      const shares = ENC.filter((k, i) => i !== RAW && n.mod[k] != null);
      if (shares.length) notes.push(shares.join(' and ') + ' shares: ' + n.mod.method);
    }
    if (n.type === 'file' && verdictsOf.has(n.fp)) {
      for (const v of verdictsOf.get(n.fp)) notes.push([v.status, 'budget ' + v.name + ': ' + v.status]);
    }
    if (n.type === 'file' && report.diff) {
      const d = diffOf.get(n.fp);
      if (d) {
        const delta = deltaOf(d, state.size);
        notes.push([d.status, d.status + ' · ' + fmtDelta(delta) + ' ' + ENC[state.size] + (d.baselinePath && d.baselinePath !== d.path ? ' (was ' + d.baselinePath + ')' : '')]);
      }
    }
    for (const note of notes) {
      if (Array.isArray(note)) box.append(el('div', { class: 'note ' + note[0], text: note[1] }));
      else box.append(el('div', { class: 'note', text: note }));
    }
    if (n.children && n.children.length) box.append(el('div', { class: 'note', text: 'click to zoom in' }));
    tooltip.replaceChildren(box);
    tooltip.hidden = false;
    const w = tooltip.offsetWidth;
    const h = tooltip.offsetHeight;
    const x = cx + 14 + w > window.innerWidth ? Math.max(4, cx - 14 - w) : cx + 14;
    const y = cy + 14 + h > window.innerHeight ? Math.max(4, cy - 14 - h) : cy + 14;
    tooltip.style.left = x + 'px';
    tooltip.style.top = y + 'px';
  }

  function deltaOf(d, e) {
    const a = d.after ? d.after[ENC[e]] : null;
    const b = d.before ? d.before[ENC[e]] : null;
    if (d.status === 'new') return a;
    if (d.status === 'removed') return b == null ? null : -b;
    if (a == null || b == null) return null;
    return a - b;
  }

  function renderLegend() {
    const legend = document.getElementById('legend');
    legend.textContent = '';
    const add = (c, text) => {
      const swatch = el('span', { class: 'swatch' });
      swatch.style.background = hsl(c);
      legend.append(el('span', null, swatch, text));
    };
    if (state.color === 'budget') {
      if (!report.budgets) legend.append('No budgets were checked for this report: every file is grey.');
      add(STATUS_COLOR.fail, 'over max');
      add(STATUS_COLOR.warn, 'over warn');
      add(STATUS_COLOR.pass, 'within budget');
      add(STATUS_COLOR.none, 'no budget selects it');
    } else if (state.color === 'diff') {
      if (!report.diff) legend.append('No baseline was given for this report: every file is grey.');
      add(STATUS_COLOR.grew, 'grew');
      add(STATUS_COLOR.shrank, 'shrank');
      add(STATUS_COLOR.new, 'new');
      add(STATUS_COLOR.same, 'unchanged');
      if (removed.length) legend.append(plural(removed.length, 'file', 'files') + ' removed (see Diff)');
    } else {
      for (const k of Object.keys(KIND_HUE)) add(KIND_HUE[k], k);
      if (state.color === 'package') {
        legend.append(
          moduleCount
            ? 'modules and packages: one colour per package, the app’s own code in blues, grey for unmapped bytes'
            : 'no module attribution in this report: files are coloured by kind',
        );
      }
    }
    legend.append(el('span', { class: 'note', text: 'areas: ' + ENC[state.size] + ' bytes' + (state.size !== RAW && moduleCount ? ' (≈ where a module’s share was not measured)' : '') }));
  }

  // ---------------------------------------------------------------- table

  const table = document.getElementById('table');
  const searchInput = document.getElementById('search');
  const tableNote = document.getElementById('table-note');

  function fileLoad(path) {
    const l = loadsOf.get(path);
    if (!l) return 'other';
    if (l.initial.length) return 'first load (' + l.initial.length + ')';
    return 'lazy (' + l.lazy.length + ')';
  }

  function matches(...texts) {
    const q = state.query.trim().toLowerCase();
    if (!q) return true;
    return texts.some((t) => t != null && String(t).toLowerCase().includes(q));
  }

  function sizeCols() {
    const cols = [];
    for (let i = 0; i < 4; i++) {
      if (measured[i]) cols.push({ key: 's' + i, label: ENC[i], num: true, get: (r) => r.v[i], fmt: (v, r) => ((r.est >> i) & 1 ? '≈ ' : '') + fmt(v) });
    }
    return cols;
  }

  function tableData() {
    const mode = state.tableMode;
    let cols;
    let rows = [];
    if (mode === 'files') {
      cols = [
        { key: 'name', label: 'file', get: (r) => r.name, name: true },
        { key: 'kind', label: 'kind', get: (r) => r.kind },
        { key: 'role', label: 'role', get: (r) => r.role },
        { key: 'load', label: 'loaded', get: (r) => r.load },
      ].concat(sizeCols());
      if (report.diff) {
        cols.push({ key: 'status', label: 'change', get: (r) => r.status, badge: true });
        cols.push({ key: 'delta', label: 'Δ ' + ENC[state.size], num: true, get: (r) => r.delta, fmt: fmtDelta, delta: true });
      }
      if (report.budgets) cols.push({ key: 'budget', label: 'budget', get: (r) => r.budget, badge: true });
      for (const fn of fileNodes) {
        const f = fn.f;
        if (!matches(f.path)) continue;
        const d = diffOf.get(f.path);
        rows.push({
          name: f.path,
          kind: f.kind,
          role: f.role,
          load: fileLoad(f.path),
          v: fn.v,
          est: fn.est,
          status: d ? d.status : report.diff ? 'same' : null,
          delta: d ? deltaOf(d, state.size) : null,
          budget: budgetOf.get(f.path) || null,
        });
      }
      for (const d of removed) {
        if (!matches(d.baselinePath)) continue;
        const b = d.before || {};
        rows.push({
          name: d.baselinePath,
          kind: '',
          role: '',
          load: 'removed',
          v: ENC.map((k) => (b[k] == null ? null : b[k])),
          est: 0,
          status: 'removed',
          delta: deltaOf(d, state.size),
          budget: null,
        });
      }
    } else if (mode === 'packages') {
      cols = [
        { key: 'name', label: 'package', get: (r) => r.name, name: true },
        { key: 'files', label: 'files', num: true, get: (r) => r.files.size, fmt: String },
        { key: 'modules', label: 'modules', num: true, get: (r) => r.modules, fmt: String },
      ].concat(sizeCols());
      const by = new Map();
      for (const fn of fileNodes) {
        if (!fn.children) continue;
        for (const c of fn.children) {
          const key = c.name;
          let r = by.get(key);
          if (!r) {
            r = { name: key, files: new Set(), modules: 0, v: [0, 0, 0, 0], est: 0 };
            by.set(key, r);
          }
          r.files.add(fn.fp);
          r.modules += c.type === 'package' ? c.children.length : 1;
          for (let i = 0; i < 4; i++) r.v[i] += c.v[i];
          r.est |= c.est;
        }
      }
      for (const r of by.values()) if (matches(r.name)) rows.push(r);
      if (!moduleCount) tableNote.dataset.empty = 'no module attribution in this report';
    } else if (mode === 'modules') {
      cols = [
        { key: 'name', label: 'module', get: (r) => r.name, name: true },
        { key: 'pkg', label: 'package', get: (r) => r.pkg },
        { key: 'file', label: 'file', get: (r) => r.file },
      ].concat(sizeCols());
      cols.push({ key: 'method', label: 'compressed share', get: (r) => r.method });
      for (const fn of fileNodes) {
        if (!fn.children) continue;
        for (const c of fn.children) {
          for (const mn of c.type === 'package' ? c.children : [c]) {
            if (!matches(mn.name, mn.pkg, fn.fp)) continue;
            rows.push({ name: mn.name, pkg: mn.pkg, file: fn.fp, v: mn.v, est: mn.est, method: mn.mod.method || (mn.est ? 'proportional' : null) });
          }
        }
      }
    } else {
      cols = [
        { key: 'name', label: 'entry or route', get: (r) => r.name, name: true },
        { key: 'kind', label: '', get: (r) => r.kind },
        { key: 'nInitial', label: 'first-load files', num: true, get: (r) => r.nInitial, fmt: String },
        { key: 'initial', label: 'first load ' + ENC[state.size], num: true, get: (r) => r.initial },
        { key: 'js', label: 'first-load JS ' + ENC[state.size], num: true, get: (r) => r.js },
        { key: 'nLazy', label: 'lazy files', num: true, get: (r) => r.nLazy, fmt: String },
        { key: 'lazy', label: 'lazy ' + ENC[state.size], num: true, get: (r) => r.lazy },
      ];
      const k = ENC[state.size];
      for (const { kind, s } of sets) {
        if (!matches(s.name)) continue;
        rows.push({
          name: s.name,
          kind,
          nInitial: s.initial.length,
          initial: s.initialSizes[k],
          js: s.initialScriptSizes[k],
          nLazy: s.lazy.length,
          lazy: s.lazySizes[k],
        });
      }
    }
    return { cols, rows };
  }

  function renderTable() {
    const start = performance.now();
    delete tableNote.dataset.empty;
    const { cols, rows } = tableData();
    let sort = state.sort;
    if (!sort || !cols.some((c) => c.key === sort.key)) {
      const sizeKey = cols.find((c) => c.key === 's' + state.size) || cols.find((c) => c.num);
      sort = { key: sizeKey ? sizeKey.key : 'name', dir: sizeKey ? -1 : 1 };
    }
    const col = cols.find((c) => c.key === sort.key);
    rows.sort((a, b) => {
      const x = col.get(a);
      const y = col.get(b);
      if (x == null && y == null) return 0;
      if (x == null) return 1;
      if (y == null) return -1;
      const r = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return r * sort.dir;
    });
    const thead = el('tr');
    for (const c of cols) {
      const cls = ['sortable', c.num ? 'num' : '', c.key === sort.key ? (sort.dir > 0 ? 'sorted-asc' : 'sorted-desc') : ''].join(' ');
      thead.append(
        el('th', {
          class: cls,
          text: c.label,
          dataset: { key: c.key },
          onclick: () => {
            state.sort = { key: c.key, dir: c.key === sort.key ? -sort.dir : c.num ? -1 : 1 };
            renderTable();
          },
        }),
      );
    }
    table.tHead.replaceChildren(thead);
    const body = document.createDocumentFragment();
    const searching = state.query.trim().length > 0;
    for (const r of rows.slice(0, ROW_LIMIT)) {
      const tr = el('tr', { class: [r.status || '', searching ? 'match' : ''].join(' ').trim() || null });
      for (const c of cols) {
        const v = c.get(r);
        if (c.badge) {
          tr.append(el('td', null, v ? el('span', { class: 'badge ' + v, text: v }) : ''));
        } else if (c.num) {
          tr.append(el('td', { class: 'num' + (c.delta ? ' delta' : ''), text: c.fmt ? (v == null ? '—' : c.fmt(v, r)) : fmt(v) }));
        } else if (c.name && v != null && r.status !== 'removed' && state.tableMode !== 'sets') {
          tr.append(el('td', { class: 'name' }, findButton(String(v))));
        } else {
          tr.append(el('td', { class: c.name ? 'name' : null, text: v == null ? '—' : String(v) }));
        }
      }
      body.append(tr);
    }
    table.tBodies[0].replaceChildren(body);
    let note = rows.length > ROW_LIMIT ? 'showing the first ' + ROW_LIMIT.toLocaleString('en-US') + ' of ' + plural(rows.length, 'row', 'rows') + '; search to narrow' : plural(rows.length, 'row', 'rows');
    if (tableNote.dataset.empty) note += ' · ' + tableNote.dataset.empty;
    tableNote.textContent = note;
    timings.table = performance.now() - start;
  }

  // ---------------------------------------------------------------- panels

  function simpleTable(headers, rows) {
    const t = el('table', { class: 'data' });
    const head = el('tr');
    for (const h of headers) head.append(el('th', { class: h.num ? 'num' : null, text: h.label }));
    t.append(el('thead', null, head));
    const body = el('tbody');
    for (const r of rows) body.append(r);
    t.append(body);
    return t;
  }

  // Shows `query` in the treemap: the search highlights it and totals its bytes.
  function findButton(query) {
    return el('button', {
      type: 'button',
      class: 'find',
      text: query,
      title: 'show in the treemap',
      onclick: () => {
        searchInput.value = query;
        state.query = query;
        runSearch();
        showView('treemap');
      },
    });
  }

  function cell(text, cls) {
    return el('td', { class: cls || null, text: text == null ? '—' : String(text) });
  }

  function badge(status) {
    return el('td', null, el('span', { class: 'badge ' + status, text: status }));
  }

  function renderDuplicates() {
    const view = document.getElementById('view-duplicates');
    view.textContent = '';
    const dups = report.duplicates || [];
    if (!dups.length) {
      view.append(
        el('p', {
          class: 'empty',
          text: moduleCount
            ? 'No package is bundled more than once, and no package is present in several versions.'
            : 'This report has no module attribution (no source maps were read), so duplicated packages cannot be found.',
        }),
      );
      return;
    }
    const k = ENC[state.size];
    let wasted = 0;
    for (const d of dups) wasted += d.wasted[k] || 0;
    view.append(el('h2', { text: plural(dups.length, 'duplicated package', 'duplicated packages') + ' · ' + fmt(wasted) + ' ' + k + ' could be saved' }));
    const kinds = { chunks: 'in several chunks', versions: 'several versions', copies: 'several copies' };
    const rows = dups
      .slice()
      .sort((a, b) => (b.wasted[k] || 0) - (a.wasted[k] || 0))
      .map((d) =>
        el(
          'tr',
          null,
          el('td', { class: 'name' }, findButton(d.package)),
          cell(kinds[d.kind] || d.kind),
          cell((d.versions || []).join(', ') || '—'),
          el('td', { class: 'files-list' }, d.files.join('\n')),
          cell(fmt(d.sizes[k]), 'num'),
          cell(fmt(d.wasted[k]), 'num'),
        ),
      );
    const t = simpleTable(
      [{ label: 'package' }, { label: 'duplicated' }, { label: 'versions' }, { label: 'files' }, { label: 'all copies ' + k, num: true }, { label: 'wasted ' + k, num: true }],
      rows,
    );
    for (const td of t.querySelectorAll('td.files-list')) td.style.whiteSpace = 'pre-line';
    view.append(t);
  }

  function renderBudgets() {
    const view = document.getElementById('view-budgets');
    view.textContent = '';
    if (!report.budgets) {
      view.append(el('p', { class: 'empty' }, 'No budgets were checked for this report. ', el('code', { text: 'distill check --budgets budgets.json --html report.html' }), ' writes one with verdicts.'));
      return;
    }
    const b = report.budgets;
    const count = { fail: 0, warn: 0, pass: 0, empty: 0 };
    for (const v of b.verdicts) count[v.status] = (count[v.status] || 0) + 1;
    view.append(el('h2', { text: 'Budgets from ' + b.source + ': ' + count.fail + ' failed, ' + count.warn + ' warned, ' + count.pass + ' passed' + (count.empty ? ', ' + count.empty + ' selected nothing' : '') }));
    const order = { fail: 0, warn: 1, empty: 2, pass: 3 };
    const unit = (v, metric, x) => (x == null ? '—' : metric === 'count' ? String(x) : fmt(x));
    const rows = b.verdicts
      .slice()
      .sort((x, y) => (order[x.status] ?? 9) - (order[y.status] ?? 9))
      .map((v) =>
        el(
          'tr',
          null,
          badge(v.status),
          cell(v.name, 'name'),
          cell(v.metric),
          cell(v.compression),
          cell(unit(v, v.metric, v.actual), 'num'),
          cell(unit(v, v.metric, v.warn), 'num'),
          cell(unit(v, v.metric, v.max), 'num'),
          cell(unit(v, v.metric, v.min), 'num'),
          cell(v.baseline == null ? '—' : fmt(v.baseline), 'num'),
          el('td', { title: v.files.join('\n'), text: plural(v.files.length, 'file', 'files') }),
          cell(v.message),
        ),
      );
    view.append(
      simpleTable(
        [{ label: 'status' }, { label: 'budget' }, { label: 'metric' }, { label: 'compression' }, { label: 'actual', num: true }, { label: 'warn', num: true }, { label: 'max', num: true }, { label: 'min', num: true }, { label: 'baseline', num: true }, { label: 'files' }, { label: 'message' }],
        rows,
      ),
    );
  }

  function renderDiff() {
    const view = document.getElementById('view-diff');
    view.textContent = '';
    if (!report.diff) {
      view.append(el('p', { class: 'empty' }, 'No baseline was given for this report. ', el('code', { text: 'distill check --baseline old-report.json' }), ' compares this build with an earlier JSON report.'));
      return;
    }
    const k = ENC[state.size];
    const count = { grew: 0, shrank: 0, new: 0, removed: 0, same: 0 };
    let total = 0;
    const items = report.diff.files.map((d) => {
      count[d.status] = (count[d.status] || 0) + 1;
      const delta = deltaOf(d, state.size);
      total += delta || 0;
      return { d, delta };
    });
    view.append(
      el('h2', {
        text: 'Against ' + report.diff.baseline + ': ' + fmtDelta(total) + ' ' + k + ' · ' + count.grew + ' grew, ' + count.shrank + ' shrank, ' + count.new + ' new, ' + count.removed + ' removed, ' + count.same + ' unchanged',
      }),
    );
    items.sort((a, b) => Math.abs(b.delta || 0) - Math.abs(a.delta || 0));
    const rows = items.map(({ d, delta }) => {
      const b = d.before ? d.before[k] : null;
      const a = d.after ? d.after[k] : null;
      return el(
        'tr',
        { class: d.status },
        badge(d.status),
        cell(d.path == null ? d.baselinePath : d.path, 'name'),
        cell(d.baselinePath && d.path && d.baselinePath !== d.path ? d.baselinePath : d.path == null || d.baselinePath == null ? '—' : '(same path)', 'name'),
        cell(d.matchedBy),
        cell(fmt(b), 'num'),
        cell(fmt(a), 'num'),
        cell(fmtDelta(delta), 'num delta'),
        cell(b && delta != null ? (delta > 0 ? '+' : '') + pct(delta, b) : '—', 'num delta'),
      );
    });
    view.append(simpleTable([{ label: 'change' }, { label: 'file' }, { label: 'baseline file' }, { label: 'matched by' }, { label: 'before ' + k, num: true }, { label: 'after ' + k, num: true }, { label: 'Δ', num: true }, { label: 'Δ %', num: true }], rows));
  }

  // What `distill optimize` did: per stage, every file before and after, and why a file was
  // kept as it was.
  function renderOptimize() {
    const view = document.getElementById('view-optimize');
    view.textContent = '';
    const run = report.optimize;
    if (!run) {
      view.append(el('p', { class: 'empty' }, 'This build was not optimized by distill. ', el('code', { text: 'distill optimize dist --out dist-optimized --html report.html' }), ' writes a report of what it did.'));
      return;
    }
    view.append(el('h2', { text: run.inPlace ? 'Optimized in place: ' + run.input : 'Optimized ' + run.input + ' → ' + run.output }));
    const order = { written: 0, replaced: 1, removed: 2, kept: 3 };
    for (const stage of run.stages) {
      let before = 0;
      let after = 0;
      for (const c of stage.changes) {
        if (c.action === 'written' || c.action === 'replaced') {
          before += c.before;
          after += c.after;
        }
      }
      view.append(el('h3', { text: stage.stage + ': ' + fmt(before) + ' → ' + fmt(after) + (before ? ' (' + pct(after - before, before) + ')' : '') }));
      view.append(el('p', { class: 'note', text: stage.settings }));
      const rows = stage.changes
        .slice()
        .sort((x, y) => (order[x.action] ?? 9) - (order[y.action] ?? 9) || y.before - y.after - (x.before - x.after) || x.path.localeCompare(y.path))
        .map((c) =>
          el(
            'tr',
            { class: c.action },
            badge(c.action),
            cell(c.path, 'name'),
            cell(c.written || '—', 'name'),
            cell(c.encoding || '—'),
            cell(fmt(c.before), 'num'),
            cell(c.action === 'kept' ? '—' : fmt(c.after), 'num'),
            cell(c.action === 'kept' ? '—' : pct(c.after - c.before, c.before), 'num delta'),
            cell(c.reason || ''),
          ),
        );
      view.append(simpleTable([{ label: 'action' }, { label: 'file' }, { label: 'wrote' }, { label: 'encoding' }, { label: 'before', num: true }, { label: 'after', num: true }, { label: 'Δ %', num: true }, { label: 'why kept' }], rows));
    }
  }

  function renderDiagnostics() {
    const view = document.getElementById('view-diagnostics');
    view.textContent = '';
    const ds = report.diagnostics || [];
    if (!ds.length) {
      view.append(el('p', { class: 'empty', text: 'No diagnostics: every file could be read and analyzed.' }));
      return;
    }
    const rows = ds.map((d) =>
      el(
        'tr',
        null,
        badge(d.severity),
        cell(d.code),
        cell(d.path == null ? '—' : d.path + (d.line != null ? ':' + d.line + (d.column != null ? ':' + d.column : '') : ''), 'name'),
        cell(d.message),
        cell(d.hint),
      ),
    );
    view.append(simpleTable([{ label: 'severity' }, { label: 'code' }, { label: 'file' }, { label: 'message' }, { label: 'hint' }], rows));
  }

  // ---------------------------------------------------------------- chrome

  function renderSummary() {
    const out = document.getElementById('summary');
    out.textContent = '';
    const fw = report.framework ? FRAMEWORKS[report.framework] || report.framework : 'unknown layout';
    const all = [0, 0, 0, 0];
    for (const fn of fileNodes) for (let i = 0; i < 4; i++) all[i] += fn.v[i];
    out.append(fw + ' · ' + plural(fileNodes.length, 'file', 'files') + (moduleCount ? ', ' + plural(moduleCount, 'module', 'modules') : '') + ' · ');
    ENC.forEach((k, i) => {
      if (!measured[i]) return;
      out.append(el('b', { text: fmt(all[i]) }), ' ' + k + '  ');
    });
    out.append('· ' + report.tool.name + ' ' + report.tool.version);
  }

  function renderTabs() {
    for (const b of document.querySelectorAll('#tabs button')) {
      const view = b.dataset.view;
      b.setAttribute('aria-selected', String(view === state.view));
      const old = b.querySelector('.count');
      if (old) old.remove();
      let n = null;
      let cls = '';
      if (view === 'duplicates' && report.duplicates && report.duplicates.length) n = report.duplicates.length;
      if (view === 'budgets' && report.budgets) {
        const fails = report.budgets.verdicts.filter((v) => v.status === 'fail').length;
        const warns = report.budgets.verdicts.filter((v) => v.status === 'warn').length;
        n = fails || warns || report.budgets.verdicts.length;
        cls = fails ? 'fail' : warns ? 'warn' : '';
      }
      if (view === 'diff' && report.diff) n = report.diff.files.filter((d) => d.status !== 'same').length;
      if (view === 'optimize' && report.optimize) n = report.optimize.stages.reduce((t, s) => t + s.changes.filter((c) => c.action !== 'kept').length, 0);
      if (view === 'diagnostics' && report.diagnostics && report.diagnostics.length) n = report.diagnostics.length;
      if (n != null) b.append(el('span', { class: 'count ' + cls, text: String(n) }));
    }
  }

  function renderSizes() {
    for (const b of document.querySelectorAll('#sizes button')) {
      const i = ENC.indexOf(b.dataset.size);
      b.disabled = !measured[i];
      b.setAttribute('aria-pressed', String(i === state.size));
      const enc = (report.encoders || []).find((x) => x.encoding === ENC[i]);
      b.title = !measured[i]
        ? 'not measured: run distill with --encodings including ' + ENC[i]
        : enc
          ? enc.encoder + (enc.level != null ? ' level ' + enc.level : '') + (enc.windowLog != null ? ', window 2^' + enc.windowLog : '')
          : 'bytes on disk';
    }
  }

  function showView(view) {
    state.view = view;
    for (const s of document.querySelectorAll('main > .view')) s.hidden = s.id !== 'view-' + view;
    renderTabs();
    hideTooltip();
    refreshView();
  }

  function refreshView() {
    switch (state.view) {
      case 'treemap':
        renderCrumbs();
        renderLegend();
        render();
        break;
      case 'table':
        renderTable();
        break;
      case 'duplicates':
        renderDuplicates();
        break;
      case 'budgets':
        renderBudgets();
        break;
      case 'diff':
        renderDiff();
        break;
      case 'optimize':
        renderOptimize();
        break;
      case 'diagnostics':
        renderDiagnostics();
        break;
      default:
        break;
    }
  }

  for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => showView(b.dataset.view));
  for (const b of document.querySelectorAll('#sizes button')) {
    b.addEventListener('click', () => {
      const i = ENC.indexOf(b.dataset.size);
      if (!measured[i]) return;
      state.size = i;
      renderSizes();
      searchBytes();
      refreshView();
    });
  }
  const groupSelect = document.getElementById('group');
  groupSelect.value = state.group;
  if (!sets.length) groupSelect.querySelector('option[value="sets"]').disabled = true;
  groupSelect.addEventListener('change', () => {
    state.group = groupSelect.value;
    state.zoom = [roots[state.group]];
    refreshView();
  });
  const colorSelect = document.getElementById('color');
  for (const [value, present, why] of [
    ['budget', report.budgets, 'no budgets were checked for this report (distill check --budgets)'],
    ['diff', report.diff, 'no baseline was given for this report (distill check --baseline)'],
  ]) {
    const option = colorSelect.querySelector('option[value="' + value + '"]');
    if (!present) {
      option.disabled = true;
      option.title = why;
    }
  }
  colorSelect.value = state.color;
  colorSelect.addEventListener('change', () => {
    state.color = colorSelect.value;
    refreshView();
  });
  const tableMode = document.getElementById('table-mode');
  tableMode.addEventListener('change', () => {
    state.tableMode = tableMode.value;
    state.sort = null;
    renderTable();
  });
  searchInput.addEventListener('input', () => {
    const start = performance.now();
    state.query = searchInput.value;
    runSearch();
    refreshView();
    timings.search = performance.now() - start;
  });

  new ResizeObserver(() => {
    const r = stage.getBoundingClientRect();
    if (state.view === 'treemap' && (Math.floor(r.width) !== cssW || Math.floor(r.height) !== cssH)) render();
  }).observe(stage);

  renderSummary();
  renderSizes();
  renderTabs();
  runSearch();
  refreshView();
  timings.firstRender = performance.now() - T0;
  timings.sinceNavigation = performance.now();

  // A read-only window for the browser tests: what is drawn and what the page measured.
  const tileInfo = (t) => ({
    type: t.node.type,
    name: t.node.name,
    pkg: t.node.pkg == null ? null : t.node.pkg,
    file: t.node.fp,
    x: t.x,
    y: t.y,
    w: t.w,
    h: t.h,
    depth: t.depth,
    open: t.open,
    match: !!t.node.m,
  });
  window.__distill = Object.freeze({
    tiles: () => tiles.filter((t) => t.depth > 0).map(tileInfo),
    state: () => ({
      view: state.view,
      size: ENC[state.size],
      group: state.group,
      color: state.color,
      zoom: state.zoom.map((n) => n.name),
      search: Object.assign({ query: state.query }, search),
    }),
    timings: () => JSON.parse(JSON.stringify(timings)),
    canvas: () => ({ width: cssW, height: cssH }),
  });
})();
