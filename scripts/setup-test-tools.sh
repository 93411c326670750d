#!/bin/sh
# Installs what `npm test` needs besides node_modules: Chromium for the headless browser suites, the
# linter for the swap helper, Syncthing for the fleet suites and tmux for the prefetch display at
# several terminal widths. Debian and Ubuntu get them from apt; elsewhere this says
# what to install. `.ci/run` runs it too.
set -eu

chromium_path="${AETHER_CHROMIUM:-/usr/bin/chromium}"
missing=""
[ -x "$chromium_path" ] || missing="$missing chromium"
command -v shellcheck >/dev/null 2>&1 || missing="$missing shellcheck"
command -v syncthing >/dev/null 2>&1 || missing="$missing syncthing"
command -v tmux >/dev/null 2>&1 || missing="$missing tmux"
if [ -z "$missing" ]; then
  echo "Test tools present: $chromium_path, $(command -v shellcheck), $(command -v syncthing), $(command -v tmux)"
  exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing with apt-get:$missing"
  $sudo apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
  exit 0
fi

echo "Missing for the tests:$missing. Install them with your package manager, e.g. on macOS:" >&2
echo "  brew install shellcheck syncthing tmux && brew install --cask chromium" >&2
echo "  export AETHER_CHROMIUM=/Applications/Chromium.app/Contents/MacOS/Chromium" >&2
exit 1
