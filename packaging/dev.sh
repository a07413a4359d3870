#!/usr/bin/env bash
# Developer entry point for Workstation: one implementation behind the README
# commands, the Makefile and .ci/run.
#
#   bash packaging/dev.sh run   [ARGS...]         start the GUI (workstation gui ARGS...)
#   bash packaging/dev.sh test  [PYTEST ARGS...]  ruff, mypy, lint-imports, then pytest
#   bash packaging/dev.sh lint                    ruff, mypy, lint-imports only
#   bash packaging/dev.sh bench [ARGS...]         python -m benchmarks ARGS...
#   bash packaging/dev.sh clean                   remove build artifacts and caches (keeps the venv)
#
# Works on a fresh Debian 12 / Ubuntu machine with Python >= 3.11: it creates
# the virtualenv, installs the project editable and installs the Debian
# packages it needs (as root with apt-get; otherwise it prints the exact sudo
# command).  It never prompts, so it is safe under CI=true.
#
# Environment overrides:
#   WORKSTATION_VENV    virtualenv location (default: <repo>/.venv; relative = from repo root)
#   WORKSTATION_PYTHON  interpreter used to create the venv (default: python3.11, else python3)
#   WORKSTATION_NO_APT  set to 1 to skip every Debian package check/installation
set -euo pipefail

# --------------------------------------------------------------------------
# Debian 12 package lists.
#
# Derived from the PySide6 6.12 wheels (PySide6-Essentials/Addons): `readelf -d`
# (NEEDED entries) and `ldd` on PySide6/Qt/lib/libQt6{Core,Gui,Widgets,Network,
# DBus,OpenGL,OpenGLWidgets,Svg,XcbQpa,WaylandClient}.so.6 and on
# PySide6/Qt/plugins/{platforms,xcbglintegrations,platforminputcontexts,
# imageformats,iconengines,tls}/*.so, each system library mapped to its package
# with `dpkg -S`.  Libraries the wheel bundles (libQt6*, ICU 73) and the ones
# every Debian system has (libc6, libstdc++6, libgcc-s1) are not listed; apt
# pulls in transitive dependencies (libxcb1, libx11-6, xkb-data, ...) itself,
# but the direct ones are listed so `dpkg` can tell what is missing.
# Not needed by Qt 6.12: libxcb-xinerama0 (dropped in Qt 6), libnss3 (only
# QtWebEngine, which Workstation does not use).

# Needed by QtCore/QtGui/QtWidgets/QtNetwork/QtDBus/QtOpenGL and the
# `offscreen` platform plugin, i.e. by any Qt process, headless tests included.
QT_CORE_DEBS=(
  libglib2.0-0       # libglib-2.0, libgthread-2.0: QtCore event loop, QtGui, XcbQpa
  libzstd1           # QtCore, QtNetwork
  zlib1g             # QtCore, QtGui, QtNetwork, QtSvg
  libbrotli1         # QtNetwork (brotli content-encoding)
  libgssapi-krb5-2   # QtNetwork (Negotiate auth)
  libssl3            # QtNetwork TLS: the openssl backend plugin dlopen()s libssl.so.3
  libdbus-1-3        # QtDBus
  libegl1            # QtGui (EGL), eglfs/minimalegl, xcb-egl integration
  libgl1             # QtGui, QtOpenGL, QtWidgets..., xcb-glx integration
  libx11-6           # QtGui, offscreen plugin (GLX offscreen surfaces), xcb plugin
  libxkbcommon0      # QtGui and most plugins (keyboard handling)
  libfontconfig1     # QtGui font database
  libfreetype6       # QtGui font rendering
  fonts-dejavu-core  # at least one font, else Qt warns (and warnings fail the tests)
)

# The `xcb` platform plugin (libqxcb.so + libQt6XcbQpa.so.6 and the xcb GL
# integrations): what opens a window on X11, XWayland and Xvfb.
QT_XCB_DEBS=(
  libxcb1 libx11-xcb1 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0
  libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1
)

# The `wayland` platform plugin (libqwayland.so + libQt6WaylandClient.so.6).
# Optional: without it Qt falls back to xcb through XWayland.
QT_WAYLAND_DEBS=(libwayland-client0 libwayland-cursor0)

# Extra tools for the test suite; tests that need them skip (with a reason)
# when they are absent.
TEST_TOOL_DEBS=(
  dovecot-imapd      # IMAP server for the IMAP integration tests
  xvfb               # X server for the screenshot tests (uses the xcb plugin above)
)

# --------------------------------------------------------------------------

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

VENV="${WORKSTATION_VENV:-.venv}"
[[ "$VENV" == /* ]] || VENV="$REPO_ROOT/$VENV"
STAMP="$VENV/.workstation-install.stamp"

# Never prompt (CI=true or not); keep pip's cache but not its nagging.
export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1

PROG="bash packaging/dev.sh"

log()  { printf '==> %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [[ "$(id -u)" -eq 0 ]]; }

usage() {
  cat <<EOF
Usage: $PROG <command> [ARGS...]

Commands:
  run   [ARGS...]         set up .venv and start the GUI (workstation gui ARGS...)
  test  [PYTEST ARGS...]  set up .venv with the test extras, then run
                          ruff check ., mypy, lint-imports and pytest (offscreen Qt)
  lint                    ruff check ., mypy and lint-imports only
  bench [ARGS...]         set up .venv with the test extras, run python -m benchmarks ARGS...
  clean                   remove build artifacts and tool caches (keeps the venv)

Environment: WORKSTATION_VENV (default .venv), WORKSTATION_PYTHON,
WORKSTATION_NO_APT=1 (skip Debian package checks), CI=true (implies nothing
interactive; the script never prompts anyway).
EOF
}

# --------------------------------------------------------------------------
# Debian packages

have_apt() { command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; }

# apt_install PKG...: apt-get update + install, as root.  Output is kept in a
# log and shown only if something fails (quiet, but errors stay visible).
apt_install() {
  local log rc=0
  log="$(mktemp)"
  if ! apt-get update -qq >"$log" 2>&1; then
    cat "$log" >&2
    warn "apt-get update failed; trying to install anyway"
  fi
  apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 "$@" >"$log" 2>&1 || rc=$?
  if ((rc != 0)); then
    cat "$log" >&2
  fi
  rm -f "$log"
  return "$rc"
}

# Names of installed packages plus the names they Provide (so that e.g.
# Ubuntu 24.04's libglib2.0-0t64 satisfies libglib2.0-0).  Equivalent to
# `dpkg -s NAME` succeeding, for many names in a single dpkg call.
installed_debs() {
  dpkg-query -W -f='${db:Status-Abbrev}\t${Package}\t${Provides}\n' 2>/dev/null |
    awk -F'\t' '$1 ~ /^ii/ {
      print $2
      n = split($3, p, /, */)
      for (i = 1; i <= n; i++) { sub(/[ :].*/, "", p[i]); if (p[i] != "") print p[i] }
    }' | sort -u
}

# missing_debs PKG... -> prints the packages that are not installed.
missing_debs() {
  local installed pkg
  installed="$(installed_debs)"
  for pkg in "$@"; do
    grep -qxF -- "$pkg" <<<"$installed" || printf '%s\n' "$pkg"
  done
}

# ensure_debs required|optional WHAT PKG...
#   Installs missing packages when root.  Otherwise prints the exact sudo
#   command; returns 1 for `required` (caller exits), 0 for `optional`.
ensure_debs() {
  local level="$1" what="$2"
  shift 2
  if [[ "${WORKSTATION_NO_APT:-0}" == 1 ]]; then
    return 0
  fi
  if ! have_apt; then
    warn "not a Debian/Ubuntu system (no dpkg/apt-get): make sure $what are installed: $*"
    return 0
  fi

  local -a missing
  mapfile -t missing < <(missing_debs "$@")
  ((${#missing[@]})) || return 0

  if is_root; then
    log "Installing Debian packages for $what: ${missing[*]}"
    # Only reached when something is missing, so `apt-get update` runs only then.
    if apt_install "${missing[@]}"; then
      return 0
    fi
    warn "apt-get install failed for: ${missing[*]}"
  else
    warn "missing Debian packages for $what: ${missing[*]}"
    printf '  Install them with:\n    sudo apt-get update && sudo apt-get install -y --no-install-recommends %s\n' \
      "${missing[*]}" >&2
  fi
  if [[ "$level" == required ]]; then
    return 1
  fi
  warn "continuing without them"
  return 0
}

# --------------------------------------------------------------------------
# Python virtualenv

python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }

find_python() {
  local cand
  if [[ -n "${WORKSTATION_PYTHON:-}" ]]; then
    command -v "$WORKSTATION_PYTHON" >/dev/null 2>&1 || die "WORKSTATION_PYTHON=$WORKSTATION_PYTHON not found"
    cand="$WORKSTATION_PYTHON"
  elif command -v python3.11 >/dev/null 2>&1; then
    cand=python3.11
  elif command -v python3 >/dev/null 2>&1; then
    cand=python3
  elif is_root && have_apt && [[ "${WORKSTATION_NO_APT:-0}" != 1 ]]; then
    log "Installing python3 and python3-venv"
    apt_install python3 python3-venv || die "could not install python3"
    cand=python3
  else
    die "no python3 found. Workstation needs Python >= 3.11; on Debian 12 / Ubuntu:
    sudo apt-get update && sudo apt-get install -y python3 python3-venv"
  fi
  if ! python_ok "$cand"; then
    die "Workstation needs Python >= 3.11, but $(command -v "$cand") is Python $("$cand" -c 'import sys; print(*sys.version_info[:3], sep=".")' 2>/dev/null || echo '?').
Install Python 3.11 (Debian 12 ships it as python3) or point WORKSTATION_PYTHON at one."
  fi
  printf '%s\n' "$cand"
}

# The Debian package that provides `venv`/ensurepip for interpreter $1:
# python3-venv for the distribution's default python3, else python3.X-venv.
venv_deb_for() {
  local ver default_ver=""
  ver="$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  if [[ -x /usr/bin/python3 ]]; then
    default_ver="$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)"
  fi
  if [[ "$ver" == "$default_ver" ]]; then
    echo python3-venv
  else
    echo "python$ver-venv"
  fi
}

# A usable venv: Python >= 3.11 with pip.
venv_ok() { [[ -x "$VENV/bin/python" ]] && python_ok "$VENV/bin/python" && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; }

create_venv() {
  local py="$1"
  shift
  "$py" -m venv "$@" "$VENV"
}

ensure_venv() {
  venv_ok && return 0

  local -a clear=()
  if [[ -e "$VENV" ]]; then
    # Broken or half-created venv (e.g. from a failed `python3 -m venv`): only
    # wipe it if it really is a venv, never some other directory.
    [[ -f "$VENV/pyvenv.cfg" ]] || die "$VENV exists but is not a virtualenv; move it away or set WORKSTATION_VENV"
    warn "$VENV is unusable; recreating it"
    clear=(--clear)
  fi

  local py err
  py="$(find_python)"
  log "Creating virtualenv $VENV with $(command -v "$py") ($("$py" --version 2>&1))"
  err="$(mktemp)"
  if ! create_venv "$py" "${clear[@]}" >"$err" 2>&1; then
    if ! grep -qiE 'ensurepip|no module named venv|python3?[.0-9]*-venv' "$err"; then
      cat "$err" >&2
      rm -f "$err"
      die "could not create the virtualenv $VENV with $py"
    fi
    # Debian/Ubuntu ship venv/ensurepip separately (python3-venv).
    local deb
    deb="$(venv_deb_for "$py")"
    if is_root && have_apt && [[ "${WORKSTATION_NO_APT:-0}" != 1 ]]; then
      log "python -m venv failed (is $deb missing?); installing $deb"
      apt_install "$deb" || { cat "$err" >&2; rm -f "$err"; die "could not install $deb"; }
      create_venv "$py" --clear || { rm -f "$err"; die "could not create the virtualenv $VENV"; }
    else
      cat "$err" >&2
      rm -f "$err"
      die "could not create the virtualenv: Python's venv module is missing. Install it with:
    sudo apt-get install -y $deb
then rerun: $PROG ${SUBCOMMAND:-}"
    fi
  fi
  rm -f "$err"
  venv_ok || die "the virtualenv at $VENV has no working pip"
  log "Upgrading pip in the virtualenv"
  "$VENV/bin/python" -m pip install -q --upgrade pip
}

pyproject_hash() { sha256sum pyproject.toml | cut -d' ' -f1; }

# ensure_install [EXTRAS]: `pip install -e .[EXTRAS]` unless the stamp says
# this pyproject.toml was already installed with these extras (a `test`
# install also satisfies a plain one).
ensure_install() {
  local extras="${1:-}" hash stamp_hash="" stamp_extras="" spec="."
  hash="$(pyproject_hash)"
  if [[ -f "$STAMP" ]]; then
    read -r stamp_hash stamp_extras <"$STAMP" || true
  fi
  if [[ "$stamp_hash" == "$hash" && ( -z "$extras" || "$stamp_extras" == "$extras" ) ]]; then
    return 0
  fi
  [[ -z "$extras" ]] || spec=".[$extras]"
  log "Installing the project (pip install -e '$spec'); pyproject.toml changed since the last install"
  rm -f "$STAMP"
  "$VENV/bin/python" -m pip install -q -e "$spec"
  printf '%s %s\n' "$hash" "$extras" >"$STAMP"
}

# --------------------------------------------------------------------------
# Subcommands

step_no=0
step_total=0

# step NAME CMD...: banner, run, stop the script with CMD's exit code on failure.
step() {
  local name="$1" rc=0
  shift
  step_no=$((step_no + 1))
  printf '\n========== [%d/%d] %s ==========\n' "$step_no" "$step_total" "$name"
  "$@" || rc=$?
  if ((rc != 0)); then
    printf '\n========== FAILED: %s (exit code %d) ==========\n' "$name" "$rc" >&2
    exit "$rc"
  fi
  printf -- '---------- ok: %s\n' "$name"
}

lint_steps() {
  step "ruff check ." "$VENV/bin/ruff" check .
  step "mypy" "$VENV/bin/mypy"
  step "lint-imports" "$VENV/bin/lint-imports"
}

cmd_run() {
  ensure_venv
  ensure_install ""
  ensure_debs required "Qt runtime libraries" "${QT_CORE_DEBS[@]}" "${QT_XCB_DEBS[@]}" ||
    die "Qt cannot open a window without them (set WORKSTATION_NO_APT=1 to try anyway)"
  ensure_debs optional "Qt Wayland libraries" "${QT_WAYLAND_DEBS[@]}"
  exec "$VENV/bin/workstation" gui "$@"
}

setup_test_env() {
  ensure_venv
  ensure_install test
  ensure_debs optional "the tests (Qt runtime, IMAP server, Xvfb)" \
    "${QT_CORE_DEBS[@]}" "${QT_XCB_DEBS[@]}" "${TEST_TOOL_DEBS[@]}"
}

cmd_test() {
  setup_test_env
  step_total=4
  lint_steps
  export QT_QPA_PLATFORM=offscreen
  step "pytest${*:+ $*}" "$VENV/bin/pytest" "$@"
  printf '\n========== all %d steps passed ==========\n' "$step_total"
}

cmd_lint() {
  ensure_venv
  ensure_install test
  step_total=3
  lint_steps
  printf '\n========== all %d steps passed ==========\n' "$step_total"
}

cmd_bench() {
  ensure_venv
  ensure_install test
  ensure_debs optional "Qt runtime libraries" "${QT_CORE_DEBS[@]}"
  export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
  exec "$VENV/bin/python" -m benchmarks "$@"
}

cmd_clean() {
  log "Removing build artifacts and caches (the virtualenv is kept)"
  rm -rf build dist .eggs .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
  local venv_rel="./${VENV#"$REPO_ROOT"/}"
  find . \( -path ./.git -o -path ./.venv -o -path "$venv_rel" \) -prune -o \
    \( -name '*.egg-info' -o -name __pycache__ \) -type d -prune -exec rm -rf {} + \
    -o -name '*.py[co]' -type f -exec rm -f {} +
}

SUBCOMMAND="${1:-}"
case "$SUBCOMMAND" in
  run | test | lint | bench | clean)
    shift
    "cmd_$SUBCOMMAND" "$@"
    ;;
  -h | --help | help)
    usage
    ;;
  "")
    usage >&2
    exit 2
    ;;
  *)
    printf 'Unknown command: %s\n\n' "$SUBCOMMAND" >&2
    usage >&2
    exit 2
    ;;
esac
