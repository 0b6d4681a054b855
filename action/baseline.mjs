// Step "baseline": fetch the report of the latest run on the baseline branch (the pull request's
// base, else the repository's default branch), uploaded by this Action as the artifact
// DISTILL_ARTIFACT, so `check` compares this build with it file by file. No baseline is not an
// error — the first run on a repository has none — but it is said, as an annotation.
//
// Reads: GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_EVENT_PATH, RUNNER_TEMP, GITHUB_OUTPUT; from the
// Action: GITHUB_TOKEN, DISTILL_ARTIFACT, DISTILL_BASELINE_BRANCH (empty: as above). Writes output
// report (the baseline's path, empty when there is none), and run-id and sha of its run.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { annotate, client, env, readEvent, setOutput } from './github.mjs';
import { readEntry } from './zip.mjs';

// The file check.sh writes into the artifact; a JSON report is also a baseline.
export const REPORT = 'report.json';

function none(level, message) {
  annotate(level, 'distill baseline', `${message}; growth budgets and deltas are skipped this run`);
  setOutput('report', '');
}

async function main() {
  const repo = env('GITHUB_REPOSITORY');
  const temp = env('RUNNER_TEMP');
  const event = readEvent();
  const artifact = process.env.DISTILL_ARTIFACT || 'distill-report';
  const branch =
    process.env.DISTILL_BASELINE_BRANCH ||
    (event.pull_request && event.pull_request.base && event.pull_request.base.ref) ||
    (event.repository && event.repository.default_branch);
  if (!branch) return none('warning', 'no baseline branch: the event names no base or default branch');
  const token = process.env.GITHUB_TOKEN;
  if (!token) return none('warning', 'no github-token to read artifacts with');
  const api = client(token);

  // Newest first is not promised by the API: sort. Runs from forks may have a `main` branch
  // too; only this repository's own runs of the branch count.
  let found = null;
  try {
    const candidates = [];
    for (let page = 1; page <= 10; page += 1) {
      const query = `name=${encodeURIComponent(artifact)}&per_page=100&page=${page}`;
      const list = await api.json('GET', `/repos/${repo}/actions/artifacts?${query}`);
      const artifacts = Array.isArray(list.artifacts) ? list.artifacts : [];
      for (const a of artifacts) {
        const run = a.workflow_run || {};
        const own = run.head_repository_id === undefined || run.head_repository_id === run.repository_id;
        if (a.name === artifact && !a.expired && run.head_branch === branch && own) candidates.push(a);
      }
      if (artifacts.length < 100) break;
    }
    candidates.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)) || b.id - a.id);
    found = candidates[0] || null;
  } catch (err) {
    return none('warning', `cannot list the artifacts: ${err.message}`);
  }
  if (!found) {
    return none('notice', `no \`${artifact}\` artifact from a run on ${branch} yet (the next run there uploads one)`);
  }

  const run = found.workflow_run || {};
  let report;
  try {
    const zip = await api.bytes(`/repos/${repo}/actions/artifacts/${found.id}/zip`);
    report = readEntry(zip, REPORT);
  } catch (err) {
    return none('warning', `cannot read artifact ${found.id} of run ${run.id}: ${err.message}`);
  }
  if (!report) return none('warning', `artifact ${found.id} of run ${run.id} has no ${REPORT}`);
  const dir = path.join(temp, 'distill-baseline');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, REPORT);
  fs.writeFileSync(file, report);
  process.stdout.write(`distill: baseline is ${REPORT} of run ${run.id} on ${branch} (${run.head_sha || 'unknown commit'})\n`);
  setOutput('report', file);
  setOutput('run-id', run.id ?? '');
  setOutput('sha', run.head_sha ?? '');
}

// Run as a step; imported (by the tests, for its constants) it does nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
