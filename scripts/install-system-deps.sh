#!/usr/bin/env bash
# Installs the system packages lipsync uses, when they are missing (apt on Debian/Ubuntu, or
# Homebrew). `lipsync doctor` lists the same pieces, what is installed and the command for each.
#
#   bash scripts/install-system-deps.sh         what lipsync needs to run (make demo):
#     espeak-ng             pronunciations of words outside the dictionary, every other language
#   bash scripts/install-system-deps.sh --all   also the optional pieces the test suite uses (make test):
#     ffmpeg                m4a/aac and video input
#     fonts-ipafont-gothic  Japanese text in printable PDF x-sheets and preview videos
#     fonts-dejavu-core     text in preview videos (names, subtitles, the rhythmo band)
#     poppler-utils         rendering checks of printable sheets (tests)
#     chromium              headless browser tests: the dub-fit HTML report, the review page (Playwright)
#     praat, synfig         the exports read by Praat and rendered by Synfig's command line (tests)
#     nodejs, npm           spine-core loading the Spine JSON, the generated AE/Harmony scripts (tests)
set -euo pipefail
all=no
case "${1:-}" in
  --all) all=yes ;;
  "") ;;
  *) echo "usage: $0 [--all]" >&2; exit 2 ;;
esac
need=()
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
if [ "$all" = yes ]; then
  command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || need+=(chromium)
  [ -e /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ] || [ -e /usr/share/fonts/truetype/fonts-japanese-gothic.ttf ] || need+=(fonts-ipafont-gothic)
  [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
  command -v praat >/dev/null 2>&1 || need+=(praat)
  command -v synfig >/dev/null 2>&1 || need+=(synfig)
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  command -v npm >/dev/null 2>&1 || need+=(npm)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
elif command -v brew >/dev/null 2>&1; then
  formulas=()
  for package in "${need[@]}"; do
    case "$package" in
      poppler-utils) formulas+=(poppler) ;;
      espeak-ng|ffmpeg) formulas+=("$package") ;;
      *) echo "not installed by Homebrew here: $package (see 'lipsync doctor')" >&2 ;;
    esac
  done
  [ ${#formulas[@]} -eq 0 ] || brew install "${formulas[@]}"
else
  echo "please install: ${need[*]} (espeak-ng is required)" >&2
  command -v espeak-ng >/dev/null 2>&1 || exit 1
fi
