#!/usr/bin/env bash
# Step "conclude": the job's status is distill's verdict, decided after the comment and the
# upload ran. Reads DISTILL_EXIT_CODE (the check step's output): 0 passes, 1 (a budget failed) and
# anything else (distill could not check) fail the job with that code.
set -euo pipefail
code="${DISTILL_EXIT_CODE:-}"
case "$code" in
  0) echo "distill: every budget passed" ;;
  1)
    echo "::error title=distill::a size budget failed; the job summary and the annotations say which"
    exit 1
    ;;
  '' | *[!0-9]*)
    echo "::error title=distill::the check step gave no exit code (\`$code\`); it did not run to the end"
    exit 2
    ;;
  *)
    echo "::error title=distill::distill check exited $code: it could not check the build; the log of the check step says why"
    exit "$code"
    ;;
esac
