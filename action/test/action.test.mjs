// The Action's steps run as GitHub runs them: each script in its own process with the variables
// the runner sets (GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY, RUNNER_TEMP, …), against a fake GitHub API and a fake npm registry on
// loopback, with the real distill release binary. Nothing of the environment the tests run in
// leaks into the steps (CI on GitHub sets the same variables).
//
//   DISTILL_NPM_BINARY=PATH node --test action/test/
//
// DISTILL_NPM_BINARY: the release binary (default $CARGO_TARGET_DIR/release/distill). The step
// "upload-artifact" is GitHub's own action and cannot run here: the tests zip the folder check.sh
// names (with Python's zipfile) and register it with the fake API, as an upload would.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fakeGitHub, fakeRegistry } from './fake.mjs';
import { MARKER, MAX_BODY } from '../comment.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const action = path.join(root, 'action');
const demo = path.join(root, 'fixtures/demo/dist');
const exe = process.platform === 'win32' ? 'distill.exe' : 'distill';
const binary =
  process.env.DISTILL_NPM_BINARY || path.join(process.env.CARGO_TARGET_DIR || path.join(root, 'target'), 'release', exe);
const REPO = 'octo-org/shop';
const TOKEN = 'ghs_test_token';
const BASE_REPO_ID = 4242;

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-action-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function pullRequestEvent(number, base = 'main') {
  return {
    action: 'synchronize',
    number,
    pull_request: { number, base: { ref: base }, head: { ref: 'feature' } },
    repository: { full_name: REPO, default_branch: 'main', id: BASE_REPO_ID },
  };
}

const pushEvent = { ref: 'refs/heads/main', repository: { full_name: REPO, default_branch: 'main', id: BASE_REPO_ID } };

// A runner for one job: its temp folder, event file, and the files steps write outputs and the
// summary to. `step` runs one script as a step and returns its status, output and outputs.
function job(dir, { event, api, registry, runId = '7001' }) {
  const temp = path.join(dir, 'runner-temp');
  fs.mkdirSync(temp, { recursive: true });
  fs.writeFileSync(path.join(dir, 'event.json'), JSON.stringify(event));
  const files = { summary: path.join(dir, 'summary.md'), path: path.join(dir, 'path.txt') };
  for (const f of Object.values(files)) fs.writeFileSync(f, '');
  let n = 0;
  const step = async (command, args, env = {}, cwd = dir) => {
    n += 1;
    const output = path.join(dir, `output-${n}.txt`);
    fs.writeFileSync(output, '');
    const base = {
      PATH: process.env.PATH,
      HOME: process.env.HOME || dir,
      ...(process.platform === 'win32' ? { SystemRoot: process.env.SystemRoot } : {}),
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_API_URL: api ? api.base : 'http://127.0.0.1:9',
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_REPOSITORY: REPO,
      GITHUB_EVENT_NAME: event.pull_request ? 'pull_request' : 'push',
      GITHUB_EVENT_PATH: path.join(dir, 'event.json'),
      GITHUB_RUN_ID: runId,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_PATH: files.path,
      GITHUB_WORKSPACE: dir,
      RUNNER_TEMP: temp,
      NO_COLOR: '1',
      DISTILL_CACHE_DIR: path.join(dir, 'size-cache'),
      // npm: the fake registry only, a fresh cache, no user config.
      npm_config_registry: registry ? `${registry.base}/` : 'http://127.0.0.1:9/',
      npm_config_cache: path.join(dir, 'npm-cache'),
      npm_config_userconfig: path.join(dir, 'npmrc'),
      npm_config_update_notifier: 'false',
    };
    // Asynchronous: the fake servers answer from this process's event loop.
    const r = await new Promise((resolve) => {
      const child = spawn(command, args, { cwd, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
      child.on('error', (err) => resolve({ status: null, stdout, stderr: `${stderr}${err.message}` }));
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    });
    return { ...r, outputs: readOutputs(output) };
  };
  return { step, temp, summary: () => fs.readFileSync(files.summary, 'utf8'), githubPath: () => fs.readFileSync(files.path, 'utf8') };
}

// $GITHUB_OUTPUT holds `name=value` lines and `name<<DELIM` … `DELIM` blocks.
function readOutputs(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const out = {};
  for (let i = 0; i < lines.length; i += 1) {
    const heredoc = lines[i].match(/^([^=<]+)<<(.+)$/);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      out[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=');
      out[lines[i].slice(0, at)] = lines[i].slice(at + 1);
    }
  }
  return out;
}

const node = (script) => [process.execPath, [path.join(action, script)]];
const bash = (script) => ['bash', [path.join(action, script)]];

// A zip as GitHub serves an artifact, written by Python's zipfile (not by the code under test).
function zipFolder(dir, out) {
  const script = [
    'import os, sys, zipfile',
    'src, dst = sys.argv[1], sys.argv[2]',
    'with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:',
    '    for name in sorted(os.listdir(src)):',
    '        z.write(os.path.join(src, name), name)',
  ].join('\n');
  execFileSync('python3', ['-c', script, dir, out]);
  return fs.readFileSync(out);
}

function artifactEntry(id, { name = 'distill-report', branch = 'main', created, runId, headRepo = BASE_REPO_ID, expired = false }) {
  return {
    id,
    name,
    expired,
    created_at: created,
    archive_download_url: `unused/${id}`,
    workflow_run: { id: runId, repository_id: BASE_REPO_ID, head_repository_id: headRepo, head_branch: branch, head_sha: `sha${runId}` },
  };
}

function requireBinary() {
  assert.ok(
    fs.existsSync(binary),
    `no release binary at ${binary}: run \`cargo build --release\` or set DISTILL_NPM_BINARY`,
  );
}

describe('comment step', () => {
  let gh;
  before(async () => {
    gh = await fakeGitHub({ token: TOKEN, repo: REPO });
  });
  after(() => gh.close());
  const reset = () => {
    gh.state.comments = [];
    gh.state.readOnly = false;
    gh.api.requests.length = 0;
  };
  const markdown = (dir, text) => {
    fs.writeFileSync(path.join(dir, 'report.md'), text);
    return path.join(dir, 'report.md');
  };
  const others = (issue, n) =>
    Array.from({ length: n }, (_, i) => ({ id: i + 1, issue, body: `looks good ${i}`, user: 'reviewer' }));

  test('creates one comment with the marker when the pull request has none of ours', async (t) => {
    reset();
    gh.state.comments.push(...others(12, 3));
    const dir = tempDir(t);
    const { step } = job(dir, { event: pullRequestEvent(12), api: gh.api });
    const r = await step(...node('comment.mjs'), {
      GITHUB_TOKEN: TOKEN,
      DISTILL_MARKDOWN: markdown(dir, '## Size budgets\n\n| budget | status |\n|---|---|\n| scripts | fail |\n'),
      DISTILL_EXIT_CODE: '1',
      DISTILL_ARTIFACT: 'distill-report-pr-12',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.outputs.comment, 'created');
    const ours = gh.state.comments.filter((c) => c.body.startsWith(MARKER));
    assert.equal(ours.length, 1);
    assert.equal(String(ours[0].id), r.outputs['comment-id']);
    assert.match(ours[0].body, /\| scripts \| fail \|/);
    assert.match(ours[0].body, /\[workflow run\]\(https:\/\/github\.example\/octo-org\/shop\/actions\/runs\/7001\)/);
    assert.match(ours[0].body, /artifact `distill-report-pr-12`/);
    const post = gh.api.requests.find((q) => q.method === 'POST');
    assert.equal(post.path, `/repos/${REPO}/issues/12/comments`);
    assert.equal(post.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(post.headers['x-github-api-version'], '2022-11-28');
  });

  test('updates our comment found on the second page instead of adding another', async (t) => {
    reset();
    gh.state.comments.push(...others(12, 100));
    gh.state.comments.push({ id: 555, issue: 12, body: `${MARKER}\nold report`, user: 'github-actions[bot]' });
    gh.state.comments.push({ id: 556, issue: 12, body: 'a later remark', user: 'reviewer' });
    gh.state.comments.push({ id: 557, issue: 13, body: `${MARKER}\nanother PR's report`, user: 'github-actions[bot]' });
    const dir = tempDir(t);
    const { step } = job(dir, { event: pullRequestEvent(12), api: gh.api });
    const r = await step(...node('comment.mjs'), { GITHUB_TOKEN: TOKEN, DISTILL_MARKDOWN: markdown(dir, 'new report\n'), DISTILL_EXIT_CODE: '0' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.outputs.comment, 'updated');
    assert.equal(r.outputs['comment-id'], '555');
    assert.deepEqual(
      gh.api.requests.map((q) => `${q.method} ${q.path}${q.query.get('page') ? `?page=${q.query.get('page')}` : ''}`),
      [`GET /repos/${REPO}/issues/12/comments?page=1`, `GET /repos/${REPO}/issues/12/comments?page=2`, `PATCH /repos/${REPO}/issues/comments/555`],
    );
    assert.match(gh.state.comments.find((c) => c.id === 555).body, /^<!-- distill:size-report -->\nnew report\n/);
    assert.match(gh.state.comments.find((c) => c.id === 557).body, /another PR's report/);
    assert.equal(gh.state.comments.filter((c) => c.issue === 12 && c.body.startsWith(MARKER)).length, 1);
  });

  test('three runs leave one comment: created, updated, then unchanged on a re-run', async (t) => {
    reset();
    const dir = tempDir(t);
    const results = [];
    for (const [text, runId] of [['first\n', '1'], ['second\n', '2'], ['second\n', '2']]) {
      const { step } = job(dir, { event: pullRequestEvent(5), api: gh.api, runId });
      const r = await step(...node('comment.mjs'), { GITHUB_TOKEN: TOKEN, DISTILL_MARKDOWN: markdown(dir, text), DISTILL_EXIT_CODE: '0' });
      assert.equal(r.status, 0, r.stderr);
      results.push(r.outputs.comment);
    }
    assert.deepEqual(results, ['created', 'updated', 'unchanged']);
    assert.equal(gh.state.comments.length, 1);
    assert.match(gh.state.comments[0].body, /\nsecond\n/);
  });

  test("a fork's read-only token is a warning, not a failure", async (t) => {
    reset();
    gh.state.readOnly = true;
    const dir = tempDir(t);
    const { step } = job(dir, { event: pullRequestEvent(9), api: gh.api });
    const r = await step(...node('comment.mjs'), { GITHUB_TOKEN: TOKEN, DISTILL_MARKDOWN: markdown(dir, 'x\n'), DISTILL_EXIT_CODE: '1' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.outputs.comment, 'failed');
    assert.match(r.stdout, /^::warning title=distill comment::could not comment on #9: POST .*HTTP 403: Resource not accessible by integration .*forks/m);
    assert.equal(gh.state.comments.length, 0);
  });

  test('a report too long for a comment is cut at a line, under 65,536 characters', async (t) => {
    reset();
    const dir = tempDir(t);
    const line = `| ${'assets/chunk-name.js'.padEnd(60, 'x')} | 12.3 kB |\n`;
    const { step } = job(dir, { event: pullRequestEvent(3), api: gh.api });
    const r = await step(...node('comment.mjs'), { GITHUB_TOKEN: TOKEN, DISTILL_MARKDOWN: markdown(dir, line.repeat(2000)), DISTILL_EXIT_CODE: '0' });
    assert.equal(r.status, 0, r.stderr);
    const body = gh.state.comments[0].body;
    assert.ok(body.length <= MAX_BODY, `${body.length} characters`);
    assert.ok(body.length > MAX_BODY - 500, `cut too early: ${body.length}`);
    assert.match(body, /\| 12\.3 kB \|\n\n… cut to fit a comment/);
  });

  test('when check could not run, the comment says so', async (t) => {
    reset();
    const dir = tempDir(t);
    const { step } = job(dir, { event: pullRequestEvent(4), api: gh.api });
    const r = await step(...node('comment.mjs'), { GITHUB_TOKEN: TOKEN, DISTILL_MARKDOWN: '', DISTILL_EXIT_CODE: '2' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(gh.state.comments[0].body, /distill could not check this build[\s\S]*exited 2/);
  });

  test('a push is not a pull request: no request at all', async (t) => {
    reset();
    const dir = tempDir(t);
    const { step } = job(dir, { event: pushEvent, api: gh.api });
    const r = await step(...node('comment.mjs'), { GITHUB_TOKEN: TOKEN, DISTILL_MARKDOWN: markdown(dir, 'x\n') });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.outputs.comment, 'skipped');
    assert.equal(gh.api.requests.length, 0);
  });

  test('without the runner variables the step stops with exit 2 and names the variable', async (t) => {
    const dir = tempDir(t);
    const { step } = job(dir, { event: pullRequestEvent(4), api: gh.api });
    const r = await step(...node('comment.mjs'), { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: '' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /GITHUB_REPOSITORY is not set/);
    const bad = await step(...node('comment.mjs'), { GITHUB_TOKEN: TOKEN, GITHUB_EVENT_PATH: path.join(dir, 'nope.json') });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /cannot read the event payload GITHUB_EVENT_PATH/);
  });
});

describe('baseline step', () => {
  let gh;
  let reportZip;
  let reportText;
  before(async () => {
    gh = await fakeGitHub({ token: TOKEN, repo: REPO });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-zip-'));
    reportText = fs.readFileSync(path.join(root, 'fixtures/demo/baseline.json'), 'utf8');
    fs.writeFileSync(path.join(dir, 'report.json'), reportText);
    fs.writeFileSync(path.join(dir, 'report.md'), '# report\n');
    reportZip = zipFolder(dir, `${dir}.zip`);
    fs.rmSync(`${dir}.zip`);
    fs.rmSync(dir, { recursive: true });
  });
  after(() => gh.close());
  const reset = () => {
    gh.state.artifacts = [];
    gh.state.zips = new Map();
    gh.state.failList = 0;
    gh.api.requests.length = 0;
    gh.storage.requests.length = 0;
  };

  test("picks the newest live artifact of this repository's base branch and unpacks report.json", async (t) => {
    reset();
    gh.state.artifacts.push(
      artifactEntry(1, { created: '2026-11-01T10:00:00Z', runId: 11 }),
      artifactEntry(2, { created: '2026-11-03T10:00:00Z', runId: 12 }), // the one
      artifactEntry(3, { created: '2026-11-04T10:00:00Z', runId: 13, expired: true }),
      artifactEntry(4, { created: '2026-11-05T10:00:00Z', runId: 14, branch: 'feature' }),
      artifactEntry(5, { created: '2026-11-06T10:00:00Z', runId: 15, headRepo: 9999 }), // a fork's main
      artifactEntry(6, { created: '2026-11-07T10:00:00Z', runId: 16, name: 'distill-report-pr-3' }),
    );
    gh.state.zips.set(2, reportZip);
    const dir = tempDir(t);
    const { step, temp } = job(dir, { event: pullRequestEvent(3), api: gh.api });
    const r = await step(...node('baseline.mjs'), { GITHUB_TOKEN: TOKEN, DISTILL_ARTIFACT: 'distill-report' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.outputs.report, path.join(temp, 'distill-baseline', 'report.json'));
    assert.equal(fs.readFileSync(r.outputs.report, 'utf8'), reportText);
    assert.equal(r.outputs['run-id'], '12');
    assert.equal(r.outputs.sha, 'sha12');
    assert.equal(gh.api.requests[0].query.get('name'), 'distill-report');
    assert.ok(gh.api.requests.some((q) => q.path === `/repos/${REPO}/actions/artifacts/2/zip`));
    // The signed storage URL is on another origin: the token must not follow the redirect.
    assert.equal(gh.storage.requests.length, 1);
    assert.equal(gh.storage.requests[0].headers.authorization, undefined);
  });

  test('baseline-branch overrides the base; the default branch serves a push', async (t) => {
    reset();
    gh.state.artifacts.push(
      artifactEntry(1, { created: '2026-11-01T10:00:00Z', runId: 21 }),
      artifactEntry(2, { created: '2026-11-02T10:00:00Z', runId: 22, branch: 'release' }),
    );
    gh.state.zips.set(1, reportZip);
    gh.state.zips.set(2, reportZip);
    const dir = tempDir(t);
    const override = await job(dir, { event: pullRequestEvent(3), api: gh.api }).step(...node('baseline.mjs'), {
      GITHUB_TOKEN: TOKEN,
      DISTILL_BASELINE_BRANCH: 'release',
    });
    assert.equal(override.outputs['run-id'], '22');
    const push = await job(tempDir(t), { event: pushEvent, api: gh.api }).step(...node('baseline.mjs'), { GITHUB_TOKEN: TOKEN });
    assert.equal(push.outputs['run-id'], '21');
  });

  const noBaseline = (name, setup, level, pattern) =>
    test(name, async (t) => {
      reset();
      setup();
      const dir = tempDir(t);
      const r = await job(dir, { event: pullRequestEvent(3), api: gh.api }).step(...node('baseline.mjs'), { GITHUB_TOKEN: TOKEN });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.outputs.report, '', r.stdout);
      assert.match(r.stdout, new RegExp(`^::${level} title=distill baseline::.*${pattern}.*growth budgets and deltas are skipped`, 'm'));
    });
  noBaseline('the first run has no artifact yet: a notice', () => {}, 'notice', 'no `distill-report` artifact from a run on main yet');
  noBaseline(
    'a token without actions:read: a warning',
    () => {
      gh.state.failList = 403;
    },
    'warning',
    'cannot list the artifacts: GET .*HTTP 403',
  );
  noBaseline(
    'an artifact without report.json: a warning',
    () => {
      gh.state.artifacts.push(artifactEntry(8, { created: '2026-11-01T10:00:00Z', runId: 31 }));
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-zip-'));
      fs.writeFileSync(path.join(dir, 'report.md'), '# only markdown\n');
      gh.state.zips.set(8, zipFolder(dir, `${dir}.zip`));
      fs.rmSync(`${dir}.zip`);
      fs.rmSync(dir, { recursive: true });
    },
    'warning',
    'artifact 8 of run 31 has no report.json',
  );
  noBaseline(
    'a truncated archive: a warning',
    () => {
      gh.state.artifacts.push(artifactEntry(9, { created: '2026-11-01T10:00:00Z', runId: 32 }));
      gh.state.zips.set(9, reportZip.subarray(0, reportZip.length - 30));
      },
    'warning',
    'cannot read artifact 9 of run 32: ',
  );
  noBaseline(
    'a corrupted entry fails its size or CRC: a warning',
    () => {
      gh.state.artifacts.push(artifactEntry(10, { created: '2026-11-01T10:00:00Z', runId: 33 }));
      const bad = Buffer.from(reportZip);
      // Flip a byte inside report.json's deflate stream, 20 bytes past its local header.
      const header = bad.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
      assert.equal(bad.toString('utf8', header + 30, header + 41), 'report.json');
      bad[header + 30 + 'report.json'.length + 20] ^= 0xff;
      gh.state.zips.set(10, bad);
    },
    'warning',
    'cannot read artifact 10 of run 33: .*(report\\.json|invalid|incorrect)',
  );
  noBaseline(
    'storage answering 404 for the archive: a warning',
    () => {
      gh.state.artifacts.push(artifactEntry(11, { created: '2026-11-01T10:00:00Z', runId: 34 }));
    },
    'warning',
    'cannot read artifact 11 of run 34: GET .*HTTP 404',
  );
});

describe('check and conclude steps, with the real binary', () => {
  before(requireBinary);

  const budgets = (dir, max) => {
    const file = path.join(dir, `budgets-${max.replace(/\W/g, '')}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify({ budgets: [{ name: 'scripts', select: { types: ['script'] }, max, compression: 'none' }] }),
    );
    return file;
  };

  test('a failed budget: exit-code 1, every report written, annotations, the job summary', async (t) => {
    const dir = tempDir(t);
    const { step, temp, summary } = job(dir, { event: pullRequestEvent(21) });
    const r = await step(...bash('check.sh'), { DISTILL_BIN: binary, DISTILL_DIR: demo, DISTILL_BUDGETS: budgets(dir, '1 kB') });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.outputs['exit-code'], '1');
    const out = path.join(temp, 'distill-report');
    assert.equal(r.outputs.report, path.join(out, 'report.json'));
    assert.equal(r.outputs.markdown, path.join(out, 'report.md'));
    assert.equal(r.outputs.html, path.join(out, 'report.html'));
    assert.equal(r.outputs['artifact-dir'], out);
    assert.equal(r.outputs['artifact-name'], 'distill-report-pr-21');
    const report = JSON.parse(fs.readFileSync(r.outputs.report, 'utf8'));
    assert.equal(report.budgets.verdicts[0].status, 'fail');
    assert.match(r.stdout, /^::error title=distill budget%3A scripts::/m);
    assert.match(fs.readFileSync(r.outputs.html, 'utf8'), /^<!DOCTYPE html>/i);
    // distill appends the same markdown to the job summary that the comment gets.
    const md = fs.readFileSync(r.outputs.markdown, 'utf8');
    assert.ok(md.length > 0);
    assert.equal(summary(), md);

    const c = await step(...bash('conclude.sh'), { DISTILL_EXIT_CODE: r.outputs['exit-code'] });
    assert.equal(c.status, 1);
    assert.match(c.stdout, /^::error title=distill::a size budget failed/m);
  });

  test('a passing budget against a baseline: exit-code 0, the report carries the diff', async (t) => {
    const dir = tempDir(t);
    const { step } = job(dir, { event: pushEvent });
    const r = await step(...bash('check.sh'), {
      DISTILL_BIN: binary,
      DISTILL_DIR: demo,
      DISTILL_BUDGETS: budgets(dir, '10 MB'),
      DISTILL_BASELINE: path.join(root, 'fixtures/demo/baseline.json'),
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.outputs['exit-code'], '0');
    assert.equal(r.outputs['artifact-name'], 'distill-report');
    assert.ok(JSON.parse(fs.readFileSync(r.outputs.report, 'utf8')).diff, 'no diff in the report');
    assert.doesNotMatch(r.stdout, /^::error/m);
    const c = await step(...bash('conclude.sh'), { DISTILL_EXIT_CODE: '0' });
    assert.equal(c.status, 0);
  });

  test('a missing build folder: exit-code 2, nothing to upload, the job fails with 2', async (t) => {
    const dir = tempDir(t);
    const { step } = job(dir, { event: pullRequestEvent(22) });
    const r = await step(...bash('check.sh'), { DISTILL_BIN: binary, DISTILL_DIR: path.join(dir, 'no-build'), DISTILL_BUDGETS: budgets(dir, '1 kB') });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.outputs['exit-code'], '2');
    assert.match(r.stderr, /input\/not-found/);
    assert.equal(r.outputs['artifact-dir'], undefined);
    assert.equal(r.outputs.markdown, undefined);
    const c = await step(...bash('conclude.sh'), { DISTILL_EXIT_CODE: '2' });
    assert.equal(c.status, 2);
    assert.match(c.stdout, /distill check exited 2/);
  });

  test('conclude without an exit code fails with 2', async (t) => {
    const { step } = job(tempDir(t), { event: pushEvent });
    const c = await step(...bash('conclude.sh'), { DISTILL_EXIT_CODE: '' });
    assert.equal(c.status, 2);
    assert.match(c.stdout, /gave no exit code/);
  });
});

describe('install step and the whole Action, from a fake npm registry', () => {
  let stage;
  let registry;
  let gh;
  let version;
  before(async () => {
    requireBinary();
    stage = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-stage-'));
    const [mainDir, platformDir] = execFileSync(process.execPath, [path.join(root, 'npm/build.mjs'), '--binary', binary, '--out', path.join(stage, 'pkg')], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', stage, mainDir, platformDir], { encoding: 'utf8' });
    const tarballs = JSON.parse(packed).map((p) => path.join(stage, p.filename));
    const main = JSON.parse(fs.readFileSync(path.join(mainDir, 'package.json'), 'utf8'));
    version = main.version;
    const hostName = JSON.parse(fs.readFileSync(path.join(platformDir, 'package.json'), 'utf8')).name;
    // The other platforms' packages: metadata only, as npm must skip them without a download.
    const others = fs
      .readdirSync(path.join(root, 'npm/platforms'))
      .map((k) => JSON.parse(fs.readFileSync(path.join(root, 'npm/platforms', k, 'package.json'), 'utf8')))
      .filter((m) => m.name !== hostName)
      .map((m) => ({ ...m, version }));
    registry = await fakeRegistry({ tarballs, manifests: others });
    gh = await fakeGitHub({ token: TOKEN, repo: REPO });
  });
  after(async () => {
    if (registry) await registry.close();
    if (gh) await gh.close();
    if (stage) fs.rmSync(stage, { recursive: true, force: true });
  });

  test('installs the pinned version; only this platform’s binary is downloaded', async (t) => {
    const dir = tempDir(t);
    const { step, temp, githubPath } = job(dir, { event: pushEvent, registry });
    const r = await step(...bash('install.sh'), { DISTILL_VERSION: version });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(r.outputs.bin, path.join(temp, 'distill-cli/node_modules/.bin/distill'));
    assert.match(r.stdout, new RegExp(`^distill ${version.replace(/\./g, '\\.')} from npm$`, 'm'));
    assert.equal(githubPath().trim(), path.join(temp, 'distill-cli/node_modules/.bin'));
    const tarballs = registry.requests.filter((q) => q.path.startsWith('/-/')).map((q) => path.basename(q.path));
    assert.equal(tarballs.length, 2, tarballs.join(', '));
    assert.ok(tarballs.includes(`distill-${version}.tgz`));
    assert.ok(!fs.existsSync(path.join(dir, 'package.json')), 'the workspace got a package.json');
  });

  test('a version that is not exact is refused before npm runs', async (t) => {
    for (const bad of ['latest', '^0.1.0', '0.1', '', '0.1.0 || 9']) {
      const before = registry.requests.length;
      const r = await job(tempDir(t), { event: pushEvent, registry }).step(...bash('install.sh'), { DISTILL_VERSION: bad });
      assert.equal(r.status, 2, bad);
      assert.match(r.stdout, /^::error title=distill install::version `.*` is not an exact version/m, bad);
      assert.equal(registry.requests.length, before, `npm ran for \`${bad}\``);
    }
  });

  test('a version the registry does not have fails the step', async (t) => {
    const r = await job(tempDir(t), { event: pushEvent, registry }).step(...bash('install.sh'), { DISTILL_VERSION: '0.0.1' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /notarget|No matching version|ETARGET/i);
  });

  test('main, then a pull request that grows the build, then its fix: one comment, updated', async (t) => {
    const dir = tempDir(t);
    // Growth budgets need a baseline (`check` exits 2 without one), so the project adds them
    // once main has uploaded its first report.
    const scripts = { name: 'scripts', select: { types: ['script'] }, max: '10 MB', compression: 'none' };
    const growth = { name: 'growth', select: { scope: 'initial' }, growth: { max: '+10%' }, compression: 'none' };
    const budgetsFile = (name, budgets) => {
      fs.writeFileSync(path.join(dir, name), JSON.stringify({ budgets }));
      return path.join(dir, name);
    };
    const first = budgetsFile('first.json', [scripts]);
    const withGrowth = budgetsFile('budgets.json', [scripts, growth]);
    const build = (name, extra) => {
      const out = path.join(dir, name);
      fs.cpSync(demo, out, { recursive: true });
      if (extra) {
        const js = fs.readdirSync(path.join(out, 'assets')).find((f) => /^index-.*\.js$/.test(f));
        fs.appendFileSync(path.join(out, 'assets', js), `\n/*${'grown '.repeat(extra)}*/\n`);
      }
      return out;
    };
    // Each run is a job: install, baseline, check, comment, (upload), conclude, chained through
    // the outputs exactly as action.yml wires them.
    const runAction = async (event, runId, buildDir, budgets) => {
      const jobDir = path.join(dir, `run-${runId}`);
      fs.mkdirSync(jobDir);
      const { step } = job(jobDir, { event, api: gh.api, registry, runId: String(runId) });
      const install = await step(...bash('install.sh'), { DISTILL_VERSION: version });
      assert.equal(install.status, 0, install.stderr);
      const baseline = await step(...node('baseline.mjs'), { GITHUB_TOKEN: TOKEN, DISTILL_ARTIFACT: 'distill-report' });
      assert.equal(baseline.status, 0, baseline.stderr);
      const check = await step(...bash('check.sh'), {
        DISTILL_BIN: install.outputs.bin,
        DISTILL_DIR: buildDir,
        DISTILL_BUDGETS: budgets,
        DISTILL_BASELINE: baseline.outputs.report,
        DISTILL_ARTIFACT: 'distill-report',
      });
      assert.equal(check.status, 0, check.stderr);
      const comment = await step(...node('comment.mjs'), {
        GITHUB_TOKEN: TOKEN,
        DISTILL_MARKDOWN: check.outputs.markdown || '',
        DISTILL_EXIT_CODE: check.outputs['exit-code'],
        DISTILL_ARTIFACT: check.outputs['artifact-name'],
      });
      assert.equal(comment.status, 0, comment.stderr);
      if (check.outputs['artifact-dir']) {
        const id = 100 + runId;
        gh.state.zips.set(id, zipFolder(check.outputs['artifact-dir'], path.join(jobDir, 'artifact.zip')));
        gh.state.artifacts.push(
          artifactEntry(id, {
            name: check.outputs['artifact-name'],
            branch: event.pull_request ? 'feature' : 'main',
            created: new Date(Date.UTC(2026, 10, 1, 0, runId)).toISOString(),
            runId,
          }),
        );
      }
      const conclude = await step(...bash('conclude.sh'), { DISTILL_EXIT_CODE: check.outputs['exit-code'] });
      return { baseline, check, comment, conclude };
    };

    const main = await runAction(pushEvent, 1, build('main-dist'), first);
    assert.equal(main.baseline.outputs.report, '');
    assert.equal(main.check.outputs['exit-code'], '0');
    assert.equal(main.comment.outputs.comment, 'skipped');
    assert.equal(main.conclude.status, 0);

    const grown = await runAction(pullRequestEvent(8), 2, build('pr-dist', 4000), withGrowth);
    assert.equal(grown.baseline.outputs['run-id'], '1');
    assert.equal(grown.check.outputs['exit-code'], '1');
    assert.match(grown.check.stdout, /^::error title=distill budget%3A growth::/m);
    assert.equal(grown.comment.outputs.comment, 'created');
    assert.equal(grown.conclude.status, 1);
    const report = JSON.parse(fs.readFileSync(grown.check.outputs.report, 'utf8'));
    assert.equal(report.budgets.verdicts.find((v) => v.name === 'growth').status, 'fail');

    const fixed = await runAction(pullRequestEvent(8), 3, build('fixed-dist'), withGrowth);
    assert.equal(fixed.baseline.outputs['run-id'], '1', 'a pull request’s own artifact became a baseline');
    assert.equal(fixed.check.outputs['exit-code'], '0');
    assert.equal(fixed.comment.outputs.comment, 'updated');
    assert.equal(fixed.comment.outputs['comment-id'], grown.comment.outputs['comment-id']);
    assert.equal(fixed.conclude.status, 0);

    const ours = gh.state.comments.filter((c) => c.issue === 8);
    assert.equal(ours.length, 1);
    assert.ok(ours[0].body.startsWith(MARKER));
    assert.ok(ours[0].body.includes(fs.readFileSync(fixed.check.outputs.markdown, 'utf8').trim()));
  });
});

test('action.yml pins the version of the crate and calls only scripts that exist', () => {
  const yml = fs.readFileSync(path.join(root, 'action.yml'), 'utf8');
  const pinned = yml.match(/^  version:\n(?:    .*\n)*?    default: "([^"]+)"/m);
  assert.ok(pinned, 'no default version in action.yml');
  const meta = JSON.parse(execFileSync('cargo', ['metadata', '--no-deps', '--offline', '--format-version', '1'], { cwd: root, encoding: 'utf8' }));
  assert.equal(pinned[1], meta.packages.find((p) => p.name === 'distill').version, 'bump action.yml with Cargo.toml');
  const scripts = [...yml.matchAll(/\$GITHUB_ACTION_PATH\/(action\/[\w.]+)/g)].map((m) => m[1]);
  assert.deepEqual(scripts.sort(), ['action/baseline.mjs', 'action/check.sh', 'action/comment.mjs', 'action/conclude.sh', 'action/install.sh']);
  for (const s of scripts) assert.ok(fs.existsSync(path.join(root, s)), s);
  // Every variable a script reads from the Action is set by its step in action.yml.
  for (const [script, vars] of Object.entries({
    'install.sh': ['DISTILL_VERSION'],
    'baseline.mjs': ['GITHUB_TOKEN', 'DISTILL_ARTIFACT', 'DISTILL_BASELINE_BRANCH'],
    'check.sh': ['DISTILL_BIN', 'DISTILL_DIR', 'DISTILL_BUDGETS', 'DISTILL_BASELINE', 'DISTILL_ARTIFACT'],
    'comment.mjs': ['GITHUB_TOKEN', 'DISTILL_MARKDOWN', 'DISTILL_EXIT_CODE', 'DISTILL_ARTIFACT'],
    'conclude.sh': ['DISTILL_EXIT_CODE'],
  })) {
    const block = yml.slice(yml.indexOf(`action/${script}`)).split(/\n    - /)[0];
    for (const v of vars) assert.match(block, new RegExp(`\\n        ${v}: `), `${script} needs ${v} in action.yml`);
  }
});
