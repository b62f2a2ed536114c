#!/usr/bin/env bash
# Compare every journey a pull request changes with its version on the base branch.
#
# Used by action.yml. Writes one Markdown comparison per journey to $GITHUB_STEP_SUMMARY
# (standard output when unset). With FAIL_ON_DROP set it exits 1 when any journey's won share
# at the horizon drops by more than that many percentage points, or when a changed journey
# cannot be compared; with FAIL_ON_DROP empty it reports and never fails.
# A journey whose base version has errors is not compared (nothing to drop from): the summary
# says so and shows what `journeytui validate` finds in it, and the gate passes for it.
# Environment: BASE_REF (the base branch), FAIL_ON_DROP (points, or empty), RUNS (Monte Carlo runs,
# default 20), GITHUB_STEP_SUMMARY.
set -euo pipefail

base_ref="${BASE_REF:?BASE_REF names the base branch}"
summary="${GITHUB_STEP_SUMMARY:-/dev/stdout}"
base="origin/${base_ref}"

if ! git rev-parse --verify --quiet "${base}^{commit}" > /dev/null; then
  git fetch --no-tags --quiet origin "+refs/heads/${base_ref}:refs/remotes/origin/${base_ref}"
fi
merge_base=$(git merge-base "$base" HEAD)

# Journeys changed or renamed (not added or deleted) since the merge base, as journeytui would
# check them; a renamed one is compared with its old path's version (a rename cannot hide a drop).
changed=()
declare -A was=()
while IFS= read -r -d '' status; do
  if [[ "$status" == R* ]]; then
    IFS= read -r -d '' old
    IFS= read -r -d '' file
    was["$file"]="$old"
  else
    IFS= read -r -d '' file
  fi
  changed+=("$file")
done < <(git diff -z --name-status -M --diff-filter=MR "$merge_base" HEAD -- '*.toml')

journeys=()
for file in ${changed[@]+"${changed[@]}"}; do
  # journeytui's own choice (not pyproject.toml and other tools' TOML files); the path itself is
  # kept as git wrote it (--show-files prints names with visible escapes).
  if [[ -n "$(journeytui validate --show-files --force-exclude -- "$file")" ]]; then
    journeys+=("$file")
  fi
done

if ((${#journeys[@]} == 0)); then
  echo "No journey changed since ${base_ref}." >> "$summary"
  exit 0
fi

gate=(--runs "${RUNS:-20}")
if [[ -n "${FAIL_ON_DROP:-}" ]]; then
  gate+=(--fail-on-drop "$FAIL_ON_DROP")
fi

# A path in a workflow command's property: no newline, colon, comma or percent sign.
annotation_path() { local p="${1//[$'\r\n%:,']/_}"; printf '%s' "$p"; }

# Text shown literally in the summary: an indented code block, which nothing in it can end.
literal() { echo; sed 's/^/    /'; echo; }

# The base version ($1 = base: at its old path if renamed) or the pull request's ($1 = head) of
# journey $2, on standard output.
base_path() { printf '%s' "${was[$1]:-$1}"; }
version() { if [[ "$1" == base ]]; then git show "${merge_base}:$(base_path "$2")"; else cat -- "$2"; fi; }

status=0
for file in "${journeys[@]}"; do
  where=$(annotation_path "$file")
  broken=""
  for side in base head; do
    if ! version "$side" "$file" | journeytui validate --quiet --stdin-filename "$file" - > /dev/null 2>&1; then
      broken="$side"
      break
    fi
  done
  if [[ "$broken" == base ]]; then
    {
      echo "A changed journey's version on ${base_ref} has errors, so it is not compared (nothing to drop from; the gate passes for it). What journeytui validate finds in it:"
      version base "$file" | journeytui validate --stdin-filename "$file" - 2>&1 | literal || true
    } >> "$summary"
    echo "::notice file=${where}::its version on the base branch has errors: not compared; see the job summary"
    continue
  fi
  code=0
  if [[ "$broken" == head ]]; then
    {
      echo "A changed journey has errors in this pull request, so it cannot be compared with ${base_ref}. What journeytui validate finds in it:"
      journeytui validate -- "$file" 2>&1 | literal || true
    } >> "$summary"
    code=1
  else
    out=$(journeytui compare "git:${merge_base}:$(base_path "$file")" "$file" --format markdown "${gate[@]}" 2>&1) || code=$?
    if ((code == 0 || code == 1)); then
      printf '%s\n\n' "$out" >> "$summary"  # the comparison (code 1: the gate's FAIL line in it)
    else
      printf '%s\n' "$out" | literal >> "$summary"  # settings the forecast refuses (exit 2): its message
    fi
  fi
  if ((code != 0)); then
    if [[ -n "${FAIL_ON_DROP:-}" ]]; then
      status=1
      echo "::error file=${where}::forecast gate failed for this journey (exit ${code}); see the job summary"
    else
      echo "::warning file=${where}::not compared with ${base_ref} (exit ${code}); see the job summary"
    fi
  fi
done
exit "$status"
