// What the Action's Node steps share: the environment GitHub sets for a step, step outputs,
// workflow commands (annotations) and a small REST client. No dependencies; Node >= 18 (fetch).
import fs from 'node:fs';

// An environment variable the runner always sets; its absence is a broken setup, exit 2.
export function env(name) {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`error: ${name} is not set; this script runs as a step of the distill Action\n`);
    process.exit(2);
  }
  return value;
}

export function readEvent() {
  const file = env('GITHUB_EVENT_PATH');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    process.stderr.write(`error: cannot read the event payload GITHUB_EVENT_PATH (${file}): ${err.message}\n`);
    return process.exit(2);
  }
}

// Appends `name` to $GITHUB_OUTPUT in the multi-line form, which holds any value.
export function setOutput(name, value) {
  const text = String(value);
  let delimiter = 'DISTILL_EOF';
  while (text.includes(delimiter)) delimiter += '_';
  fs.appendFileSync(env('GITHUB_OUTPUT'), `${name}<<${delimiter}\n${text}\n${delimiter}\n`);
}

const data = (s) => String(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const property = (s) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

// A workflow command on stdout: `notice`, `warning` or `error`, shown as an annotation.
export function annotate(level, title, message) {
  process.stdout.write(`::${level} title=${property(title)}::${data(message)}\n`);
}

export class ApiError extends Error {
  constructor(method, path, status, body) {
    const detail = (() => {
      try {
        return JSON.parse(body).message || body;
      } catch {
        return body;
      }
    })();
    super(`${method} ${path}: HTTP ${status}${detail ? `: ${String(detail).slice(0, 300)}` : ''}`);
    this.status = status;
  }
}

// GitHub's REST API at $GITHUB_API_URL (github.com or an Enterprise server) with `token`.
export function client(token) {
  const base = env('GITHUB_API_URL').replace(/\/+$/, '');
  const headers = {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${token}`,
    'user-agent': 'distill-action',
    'x-github-api-version': '2022-11-28',
  };
  async function request(method, path, body) {
    let response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(method, path, 0, `${err.message}${err.cause ? ` (${err.cause.message})` : ''}`);
    }
    if (!response.ok) throw new ApiError(method, path, response.status, await response.text());
    return response;
  }
  return {
    json: async (method, path, body) => (await request(method, path, body)).json(),
    // Redirects to storage on another host are followed; fetch drops the token when it crosses
    // origins, as the storage URL is signed and must not receive it.
    bytes: async (path) => Buffer.from(await (await request('GET', path)).arrayBuffer()),
  };
}
