// Step "comment": one comment on the pull request with distill's markdown report, found again on
// later runs by a hidden marker on its first line and edited in place, so a pull request never
// collects a comment per push. Failing to comment (a fork's read-only token) is a warning: the
// verdict is the job's status, not the comment.
//
// Reads: GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_EVENT_PATH, GITHUB_SERVER_URL, GITHUB_RUN_ID,
// GITHUB_OUTPUT; from the Action: GITHUB_TOKEN, DISTILL_MARKDOWN (the report file, empty when
// check could not run), DISTILL_EXIT_CODE, DISTILL_ARTIFACT. Writes outputs comment
// (created | updated | unchanged | skipped) and comment-id.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiError, annotate, client, env, readEvent, setOutput } from './github.mjs';

export const MARKER = '<!-- distill:size-report -->';
// GitHub refuses comment bodies longer than this many characters.
export const MAX_BODY = 65536;

function body(markdown, exitCode, runUrl, artifact) {
  const footer = [
    '',
    '---',
    `<sub>distill · [workflow run](${runUrl})${artifact ? ` · report and treemap: artifact \`${artifact}\`` : ''}</sub>`,
    '',
  ].join('\n');
  let text = markdown;
  if (text === null) {
    text = `### distill could not check this build\n\n\`distill check\` exited ${exitCode || '(not run)'}; the job log says why.\n`;
  }
  const room = MAX_BODY - MARKER.length - 1 - footer.length;
  if (text.length > room) {
    const note = '\n\n… cut to fit a comment; the job summary and the artifact have the whole report.\n';
    const cut = text.lastIndexOf('\n', room - note.length);
    text = text.slice(0, cut > 0 ? cut : room - note.length) + note;
  }
  return `${MARKER}\n${text}${footer}`;
}

async function main() {
  const repo = env('GITHUB_REPOSITORY');
  const event = readEvent();
  const number = event.pull_request && event.pull_request.number;
  if (!number) {
    process.stdout.write('distill: not a pull request, so no comment\n');
    setOutput('comment', 'skipped');
    return;
  }
  const token = process.env.GITHUB_TOKEN;
  if (!token) {
    annotate('warning', 'distill comment', 'no github-token: the report is in the job summary only');
    setOutput('comment', 'skipped');
    return;
  }
  const file = process.env.DISTILL_MARKDOWN;
  const markdown = file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  const runUrl = `${env('GITHUB_SERVER_URL')}/${repo}/actions/runs/${env('GITHUB_RUN_ID')}`;
  const text = body(markdown, process.env.DISTILL_EXIT_CODE, runUrl, process.env.DISTILL_ARTIFACT);
  const api = client(token);
  try {
    // Oldest first, 100 a page: the first marked comment is ours whatever else was said since.
    let ours = null;
    for (let page = 1; !ours && page <= 50; page += 1) {
      const comments = await api.json('GET', `/repos/${repo}/issues/${number}/comments?per_page=100&page=${page}`);
      ours = comments.find((c) => typeof c.body === 'string' && c.body.startsWith(MARKER)) || null;
      if (comments.length < 100) break;
    }
    let result;
    if (!ours) {
      ours = await api.json('POST', `/repos/${repo}/issues/${number}/comments`, { body: text });
      result = 'created';
    } else if (ours.body === text) {
      result = 'unchanged';
    } else {
      ours = await api.json('PATCH', `/repos/${repo}/issues/comments/${ours.id}`, { body: text });
      result = 'updated';
    }
    process.stdout.write(`distill: comment ${result}: ${ours.html_url || ours.id}\n`);
    setOutput('comment', result);
    setOutput('comment-id', ours.id);
  } catch (err) {
    const hint =
      err instanceof ApiError && (err.status === 403 || err.status === 404)
        ? ' (pull requests from forks get a read-only token; give the job `pull-requests: write`, or read the job summary)'
        : '';
    annotate('warning', 'distill comment', `could not comment on #${number}: ${err.message}${hint}`);
    setOutput('comment', 'failed');
  }
}

// Run as a step; imported (by the tests, for its constants) it does nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
