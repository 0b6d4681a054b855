// Servers on loopback that stand in for GitHub's REST API and for the npm registry, with just
// the endpoints the Action calls, answering the way the real ones do (status codes, pagination,
// a redirect to storage on another origin). Every request is recorded for the tests to check.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';

function listen(handler) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url, 'http://localhost');
      requests.push({ method: req.method, path: url.pathname, query: url.searchParams, headers: req.headers, body });
      const send = (status, value, headers = {}) => {
        const text = Buffer.isBuffer(value) ? value : JSON.stringify(value);
        res.writeHead(status, { 'content-type': Buffer.isBuffer(value) ? 'application/octet-stream' : 'application/json', ...headers });
        res.end(text);
      };
      try {
        handler({ method: req.method, url, headers: req.headers, body }, send);
      } catch (err) {
        send(500, { message: String(err && err.stack) });
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const base = `http://127.0.0.1:${server.address().port}`;
      resolve({ base, requests, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

// GitHub: issue comments (list with pagination, create, update) and artifacts (list by name,
// download by redirect). `state.readOnly` answers writes with 403, as for a fork's token.
export async function fakeGitHub({ token, repo }) {
  const state = { comments: [], artifacts: [], zips: new Map(), readOnly: false, failList: 0, nextId: 1000 };
  // Artifact storage lives on another origin, like GitHub's signed blob URLs.
  const storage = await listen(({ url }, send) => {
    const id = Number(url.pathname.split('/').pop());
    if (!state.zips.has(id)) return send(404, { message: 'BlobNotFound' });
    return send(200, state.zips.get(id));
  });
  const api = await listen(({ method, url, headers, body }, send) => {
    if (headers.authorization !== `Bearer ${token}`) return send(401, { message: 'Bad credentials' });
    const prefix = `/repos/${repo}`;
    if (!url.pathname.startsWith(prefix)) return send(404, { message: 'Not Found' });
    const route = url.pathname.slice(prefix.length);
    let m;
    if ((m = route.match(/^\/issues\/(\d+)\/comments$/))) {
      const number = Number(m[1]);
      if (method === 'GET') {
        const perPage = Math.min(Number(url.searchParams.get('per_page') || 30), 100);
        const page = Number(url.searchParams.get('page') || 1);
        const all = state.comments.filter((c) => c.issue === number);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const link = page * perPage < all.length ? { link: `<${api.base}${url.pathname}?per_page=${perPage}&page=${page + 1}>; rel="next"` } : {};
        return send(200, slice.map(view), link);
      }
      if (method === 'POST') {
        if (state.readOnly) return send(403, { message: 'Resource not accessible by integration' });
        const comment = { id: state.nextId++, issue: number, body: JSON.parse(body).body, user: 'github-actions[bot]' };
        state.comments.push(comment);
        return send(201, view(comment));
      }
    }
    if ((m = route.match(/^\/issues\/comments\/(\d+)$/)) && method === 'PATCH') {
      if (state.readOnly) return send(403, { message: 'Resource not accessible by integration' });
      const comment = state.comments.find((c) => c.id === Number(m[1]));
      if (!comment) return send(404, { message: 'Not Found' });
      comment.body = JSON.parse(body).body;
      return send(200, view(comment));
    }
    if (route === '/actions/artifacts' && method === 'GET') {
      if (state.failList) return send(state.failList, { message: 'Must have admin rights to Repository.' });
      const name = url.searchParams.get('name');
      const perPage = Math.min(Number(url.searchParams.get('per_page') || 30), 100);
      const page = Number(url.searchParams.get('page') || 1);
      const all = state.artifacts.filter((a) => !name || a.name === name);
      return send(200, { total_count: all.length, artifacts: all.slice((page - 1) * perPage, page * perPage) });
    }
    if ((m = route.match(/^\/actions\/artifacts\/(\d+)\/zip$/)) && method === 'GET') {
      const id = Number(m[1]);
      if (!state.artifacts.some((a) => a.id === id)) return send(404, { message: 'Not Found' });
      return send(302, {}, { location: `${storage.base}/blob/${id}` });
    }
    return send(404, { message: 'Not Found' });
  });
  function view(c) {
    return { id: c.id, body: c.body, user: { login: c.user }, html_url: `https://github.example/${repo}/pull/${c.issue}#issuecomment-${c.id}` };
  }
  return { api, storage, state, close: async () => (await api.close(), await storage.close()) };
}

// The npm registry: a packument per package and the tarballs, from npm-packed .tgz files. Names
// in `manifests` without a tarball are served as metadata only (platform packages for other
// machines, which npm must skip by their os/cpu/libc without downloading them).
export async function fakeRegistry({ tarballs, manifests }) {
  const packages = new Map();
  const files = new Map();
  const registry = await listen(({ url }, send) => {
    const name = decodeURIComponent(url.pathname.slice(1));
    if (packages.has(name)) return send(200, packages.get(name));
    if (files.has(url.pathname)) return send(200, files.get(url.pathname));
    return send(404, { error: 'Not found' });
  });
  const add = (manifest, tgz) => {
    const file = `/-/${manifest.name}-${manifest.version}.tgz`;
    const dist = { tarball: `${registry.base}${file}` };
    if (tgz) {
      const bytes = fs.readFileSync(tgz);
      files.set(file, bytes);
      dist.integrity = `sha512-${crypto.createHash('sha512').update(bytes).digest('base64')}`;
      dist.shasum = crypto.createHash('sha1').update(bytes).digest('hex');
    }
    packages.set(manifest.name, {
      name: manifest.name,
      'dist-tags': { latest: manifest.version },
      versions: { [manifest.version]: { ...manifest, dist } },
    });
  };
  for (const m of manifests) add(m, null);
  for (const tgz of tarballs) add(JSON.parse(readPackageJson(tgz)), tgz);
  return registry;
}

// package/package.json out of an npm tarball (gzip'd ustar), without a tar library.
function readPackageJson(tgz) {
  const tar = zlib.gunzipSync(fs.readFileSync(tgz));
  for (let at = 0; at + 512 <= tar.length; ) {
    const name = tar.toString('utf8', at, at + 100).replace(/\0.*$/s, '');
    const size = parseInt(tar.toString('utf8', at + 124, at + 136).replace(/\0.*$/s, '').trim() || '0', 8);
    if (!name) break;
    if (path.posix.normalize(name) === 'package/package.json') return tar.toString('utf8', at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${tgz} has no package/package.json`);
}
