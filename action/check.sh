#!/usr/bin/env bash
# Step "check": run `distill check` once for every output the Action needs — the human table for
# the log, annotations (github format on stdout), the JSON report (the next run's baseline),
# markdown for the comment, the HTML treemap — and the job summary, which distill appends itself
# when GITHUB_STEP_SUMMARY is set. A failed budget must not stop the comment and the upload, so
# the exit code becomes an output and the "conclude" step fails the job.
#
# Reads: DISTILL_BIN, DISTILL_DIR, DISTILL_BUDGETS, DISTILL_BASELINE (each may be empty),
# DISTILL_ARTIFACT, RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_EVENT_PATH. Writes outputs exit-code,
# report, markdown, html, artifact-name, artifact-dir.
set -uo pipefail
: "${DISTILL_BIN:?DISTILL_BIN is not set; the install step gives it}"
: "${RUNNER_TEMP:?RUNNER_TEMP is not set; this script runs as a step of the distill Action}"
: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set; this script runs as a step of the distill Action}"

out="$RUNNER_TEMP/distill-report"
rm -rf "$out"
mkdir -p "$out"
args=(check)
[[ -n ${DISTILL_DIR:-} ]] && args+=("$DISTILL_DIR")
[[ -n ${DISTILL_BUDGETS:-} ]] && args+=(--budgets "$DISTILL_BUDGETS")
[[ -n ${DISTILL_BASELINE:-} ]] && args+=(--baseline "$DISTILL_BASELINE")
args+=(--format human --format github --format "json=$out/report.json"
  --format "markdown=$out/report.md" --html "$out/report.html")

echo "distill ${args[*]}"
status=0
"$DISTILL_BIN" "${args[@]}" || status=$?
echo "exit-code=$status" >>"$GITHUB_OUTPUT"

# Pull requests upload under a name of their own: only the baseline branch's runs are baselines.
name="${DISTILL_ARTIFACT:-distill-report}"
number="$(node -e '
  const e = JSON.parse(require("fs").readFileSync(process.env.GITHUB_EVENT_PATH, "utf8"));
  process.stdout.write(String((e.pull_request || {}).number || ""));' 2>/dev/null || true)"
[[ -n $number ]] && name="$name-pr-$number"
echo "artifact-name=$name" >>"$GITHUB_OUTPUT"

for kind in report:report.json markdown:report.md html:report.html; do
  file="$out/${kind#*:}"
  [[ -f $file ]] && echo "${kind%%:*}=$file" >>"$GITHUB_OUTPUT"
done
# Nothing to upload when check stopped before writing (exit 2 on bad input).
[[ -f $out/report.json ]] && echo "artifact-dir=$out" >>"$GITHUB_OUTPUT"
exit 0
