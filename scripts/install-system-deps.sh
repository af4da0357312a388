#!/usr/bin/env bash
# Installs the system programs lipsync uses, when they are missing:
#   espeak-ng  pronunciations for words outside the dictionary, other languages (required)
#   ffmpeg     m4a/aac and video input (optional)
#   fonts-ipafont-gothic  Japanese text in printable PDF x-sheets
#   poppler-utils         rendering checks of printable sheets (tests)
#   chromium              headless rendering check of the dub-fit HTML report (tests)
#   praat, synfig         the exports read by Praat and rendered by Synfig's command line (tests)
#   nodejs, npm           spine-core loading the Spine JSON, the generated AE/Harmony scripts (tests)
set -euo pipefail
need=()
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
command -v praat >/dev/null 2>&1 || need+=(praat)
command -v synfig >/dev/null 2>&1 || need+=(synfig)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
[ -e /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ] || [ -e /usr/share/fonts/truetype/fonts-japanese-gothic.ttf ] || need+=(fonts-ipafont-gothic)
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
elif command -v brew >/dev/null 2>&1; then
  brew install espeak-ng ffmpeg poppler
else
  echo "please install: ${need[*]} (espeak-ng is required)" >&2
  command -v espeak-ng >/dev/null 2>&1 || exit 1
fi
