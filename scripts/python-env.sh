#!/usr/bin/env bash
# The Python environment of the real-stack tests (torch, transformers, PEFT, accelerate, TRL):
# made once per set of requirements from the package indexes pip is configured with, kept in
# ~/.cache/baskets (BASKETS_PYTHON_CACHE moves it), and linked at .cache/python, where the tests
# look for it. Installs from the configured indexes only: pip's default index may be unreachable,
# and trying it costs minutes. Without a configured index it says so and makes nothing; the
# tests that need the environment then skip, saying why.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
key=$(cat trainers/requirements.txt trainers/requirements-test.txt trainers/requirements-test-nodeps.txt | sha256sum | cut -c1-16)
cache=${BASKETS_PYTHON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/baskets}
env_dir=$cache/python-$key
link=.cache/python

if [ ! -f "$env_dir/.complete" ]; then
  config=$("$python" -m pip config list 2>/dev/null || true)
  setting() { sed -n "s/^[a-z:.]*\.$1='\(.*\)'$/\1/p" <<<"$config" | head -n 1; }
  indexes=$(setting index-url) extra=$(setting extra-index-url) links=$(setting find-links)
  if [ -z "$indexes$extra$links" ]; then
    echo "python-env: pip has no package index configured (pip config list shows none), so no environment is made; the real-stack tests will skip" >&2
    exit 0
  fi
  # The configured indexes only: the first one stands in for pip's default.
  set -- $indexes $extra
  args=()
  if [ $# -gt 0 ]; then args+=(--index-url "$1"); shift; else args+=(--no-index); fi
  for url in "$@"; do args+=(--extra-index-url "$url"); done
  for dir in $links; do args+=(--find-links "$dir"); done

  echo "python-env: installing trainers/requirements-test.txt into $env_dir" >&2
  # Built where it stays (a venv's scripts name their own path); .complete marks it whole.
  rm -rf "$env_dir"
  mkdir -p "$cache"
  "$python" -m venv "$env_dir"
  if ! { "$env_dir/bin/pip" install --disable-pip-version-check "${args[@]}" -r trainers/requirements-test.txt &&
    "$env_dir/bin/pip" install --disable-pip-version-check --no-deps "${args[@]}" -r trainers/requirements-test-nodeps.txt; } >"$env_dir/install.log" 2>&1; then
    # pip warns once per package about each index that lacks it: noise, not the reason.
    grep -v 'is ignored: it is neither a file nor a directory' "$env_dir/install.log" | tail -n 30 >&2
    echo "python-env: the install failed (log: $env_dir/install.log)" >&2
    exit 1
  fi
  touch "$env_dir/.complete"
fi
# Environments of earlier requirements are of no use any more.
for old in "$cache"/python-*; do
  [ "$old" != "$env_dir" ] && [ -d "$old" ] && rm -rf "$old"
done
mkdir -p .cache
ln -sfn "$env_dir" "$link"
echo "$env_dir"
