#!/bin/sh
# `npm start`: the main job on the kernel bundled in the repo (or the one given): what it is,
# its autoconf table, its PVH entry, whether it boots as a microVM, and what disabling a driver
# would change (a dry run).
K=${1:-test/fixtures/netbsd-amd64}
kpatch() { node dist/cli/main.js "$@"; }
# A negative answer (exit 1, e.g. check on a kernel that cannot boot as a microVM) is shown, not fatal.
for cmd in "info $K" "list $K" "pvh $K" "check $K --microvm" "disable vioif viornd -k $K --dry-run"; do
  echo "\$ kpatch $cmd"
  # shellcheck disable=SC2086
  kpatch $cmd || echo "(exit $?)"
  echo
done
