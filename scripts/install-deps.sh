#!/usr/bin/env bash
# Installs everything ruddermock needs to build and test, from Debian 12's packages.
# Safe to run again. Needs root (or sudo) for apt-get.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libcpp-httplib-dev nlohmann-json3-dev libsqlite3-dev zlib1g-dev catch2
  libimgui-dev libglfw3-dev libstb-dev
  nodejs npm
  # the window's tests: a virtual display with software OpenGL, and a colour count of the
  # screenshot
  xvfb xauth libgl1-mesa-dri imagemagick xdotool
  # the browser SDK's test: headless Chromium, driven by playwright-core from npm
  chromium
)
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(wrk) ;;
    --fuzz) packages+=(clang) ;; # libFuzzer (clang 14) for fuzz/
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm may come from elsewhere than Debian (e.g. a newer image); keep those.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do
    [ "$p" = nodejs ] || [ "$p" = npm ] || filtered+=("$p")
  done
  missing=("${filtered[@]}")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "installing: ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
