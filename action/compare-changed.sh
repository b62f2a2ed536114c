#!/usr/bin/env bash
# Compare every journey a pull request changes with its version on the base branch.
#
# Used by action.yml. Writes one Markdown comparison per journey to $GITHUB_STEP_SUMMARY
# (standard output when unset) and exits 1 when FAIL_ON_DROP is set and any journey's won
# share at the horizon drops by more than that many percentage points.
# Environment: BASE_REF (the base branch), FAIL_ON_DROP (points, or empty), GITHUB_STEP_SUMMARY.
set -euo pipefail

base_ref="${BASE_REF:?BASE_REF names the base branch}"
summary="${GITHUB_STEP_SUMMARY:-/dev/stdout}"
base="origin/${base_ref}"

if ! git rev-parse --verify --quiet "${base}^{commit}" > /dev/null; then
  git fetch --no-tags --quiet origin "+refs/heads/${base_ref}:refs/remotes/origin/${base_ref}"
fi
merge_base=$(git merge-base "$base" HEAD)

# Journeys changed (not added or deleted) since the merge base, as journeytui would check them.
changed=()
while IFS= read -r -d '' file; do
  changed+=("$file")
done < <(git diff -z --name-only --diff-filter=M "$merge_base" HEAD -- '*.toml')

journeys=()
if ((${#changed[@]})); then
  while IFS= read -r file; do
    journeys+=("$file")
  done < <(journeytui validate --show-files --force-exclude -- "${changed[@]}")
fi

if ((${#journeys[@]} == 0)); then
  echo "No journey changed since ${base_ref}." >> "$summary"
  exit 0
fi

gate=()
if [[ -n "${FAIL_ON_DROP:-}" ]]; then
  gate=(--fail-on-drop "$FAIL_ON_DROP")
fi

status=0
for file in "${journeys[@]}"; do
  code=0
  journeytui compare "git:${merge_base}:${file}" "$file" --format markdown "${gate[@]}" >> "$summary" || code=$?
  echo >> "$summary"
  if ((code != 0)); then
    status=1
    echo "::error file=${file//[$'\r\n%:,']/_}::forecast gate failed for this journey (exit ${code}); see the job summary"
  fi
done
exit "$status"
