#!/usr/bin/env bash
# riskatlas set-up: installs what is missing and nothing else, so a second run is quick.
#   scripts/setup.sh          Debian packages for running (PostGIS, pgRouting, CJK fonts, Leaflet) + .venv
#   scripts/setup.sh --test   also what the tests use (GDAL's ogrinfo, chromium, poppler)
# Works as root or as a user with sudo. Set RISKATLAS_SKIP_APT=1 to skip the Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

packages=(postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting fonts-noto-cjk)
# npm fetches the web pages' front-end assets (Leaflet and plugins) once, from the npm registry;
# Debian's package only when no npm is there already (a Node.js from elsewhere brings its own and
# conflicts with Debian's npm)
command -v npm >/dev/null 2>&1 || packages+=(npm)
if [ "$want_test" = 1 ]; then
  packages+=(gdal-bin chromium poppler-utils)
fi
python=${PYTHON:-python3}
if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi

if [ "${RISKATLAS_SKIP_APT:-0}" != 1 ]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      sudo=()
    elif command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      say "需要安装 (missing): ${missing[*]}; 但既不是 root 也没有 sudo (not root and no sudo)."
      say "请管理员运行 (ask an administrator to run): apt-get install ${missing[*]}"
      exit 1
    fi
    say "安装 Debian 软件包 (installing): ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  say "需要 Python >= 3.11 (found $("$python" --version 2>&1)); set PYTHON=/path/to/python3.11"
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  say "创建虚拟环境 (creating .venv)"
  "$python" -m venv .venv
fi
stamp=.venv/.riskatlas-installed
digest=$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  say "安装 Python 依赖 (installing the package and its dependencies into .venv)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  echo "$digest" > "$stamp"
fi
if ! .venv/bin/python -c 'import sys; from maps.vendor import missing; sys.exit(bool(missing()))' 2>/dev/null; then
  say "安装网页前端资源 (installing Leaflet and plugins into var/vendor, served by the app)"
  .venv/bin/python -c 'from maps.vendor import install; install()'
fi
say "就绪 (ready)"
