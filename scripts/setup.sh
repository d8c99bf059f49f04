#!/usr/bin/env bash
# Creates or updates both environments, exports the MiniLM model to ONNX and builds the index.
# Safe to re-run: a step whose inputs did not change is skipped, so a second run takes seconds.
#   .venv       Python 3.11: the newsbot package, actions, sentence-transformers, FAISS, FastAPI
#   .venv-rasa  Python 3.10: Rasa Open Source 3.6.21, and ONNX Runtime for its NLU featurizer
#   .data/minilm-onnx/  the model's ONNX export, which both environments run
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# find_python VERSION: prints a python executable of that minor version, or nothing.
find_python() {
  local version=$1 candidate
  for candidate in "python$version" "$(command -v pyenv >/dev/null 2>&1 && pyenv root 2>/dev/null)/versions/$version"*/bin/"python$version"; do
    [ -n "$candidate" ] || continue
    if "$candidate" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$version'.split('.')))" >/dev/null 2>&1; then
      command -v "$candidate" 2>/dev/null || echo "$candidate"
      return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1 && PYENV_VERSION=$version "python$version" -c "" >/dev/null 2>&1; then
    PYENV_VERSION=$version "python$version" -c "import sys; print(sys.executable)"
    return 0
  fi
  return 0
}

# stamp_ok VENV FILES...: true when VENV was set up from exactly these files' contents.
stamp_of() { cat "${@:2}" | sha256sum | cut -d' ' -f1; }
stamp_ok() { [ -f "$1/.newsbot-stamp" ] && [ "$(cat "$1/.newsbot-stamp")" = "$(stamp_of "$@")" ]; }
write_stamp() { stamp_of "$@" > "$1/.newsbot-stamp"; }

pip_install() {
  # Quiet, but show errors; the stand-in index lines of this machine's pip config are noise.
  "$@" --quiet --disable-pip-version-check 2>&1 | grep -v "^WARNING: Location" || true
  return "${PIPESTATUS[0]}"
}

# --- the app environment -----------------------------------------------------------------
app_inputs=(.venv pyproject.toml requirements/torch-cpu.txt)
if stamp_ok "${app_inputs[@]}" && [ -x .venv/bin/newsbot ]; then
  say ".venv is up to date"
else
  py311=$(find_python 3.11)
  [ -n "$py311" ] || fail "Python 3.11 not found (tried python3.11 and pyenv). Install it, e.g. 'pyenv install 3.11'."
  [ -x .venv/bin/python ] || { say "creating .venv with $py311"; "$py311" -m venv .venv; }
  say "installing the app environment (CPU torch first, then newsbot and its pins)"
  pip_install .venv/bin/pip install -r requirements/torch-cpu.txt
  pip_install .venv/bin/pip install -e '.[dev]'
  write_stamp "${app_inputs[@]}"
fi

# --- the Rasa environment ----------------------------------------------------------------
rasa_inputs=(.venv-rasa requirements/rasa.txt)
if stamp_ok "${rasa_inputs[@]}" && [ -x .venv-rasa/bin/rasa ]; then
  say ".venv-rasa is up to date"
else
  py310=$(find_python 3.10)
  [ -n "$py310" ] || fail "Python 3.10 not found (Rasa 3.6 needs Python < 3.11; tried python3.10 and pyenv). Install it, e.g. 'pyenv install 3.10'."
  [ -x .venv-rasa/bin/python ] || { say "creating .venv-rasa with $py310"; "$py310" -m venv .venv-rasa; }
  say "installing Rasa into .venv-rasa (first time: a few minutes, about 2.7 GB)"
  pip_install .venv-rasa/bin/pip install -r requirements/rasa.txt
  write_stamp "${rasa_inputs[@]}"
fi

# --- the model's ONNX export (made with torch, in the app environment) and the index ------
# Exported again only when the model or the exporting libraries changed; the index build and the
# Rasa server's featurizer both run it.
.venv/bin/python -m newsbot.retrieval.onnx_export
.venv/bin/newsbot index build
say "done ($root)"
