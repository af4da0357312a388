# Inputs of the README's examples that are not plain files here: run by tests/test_readme.py in
# the scratch folder (after the audio files the examples name were made from the bundled sample),
# with this checkout's `lipsync` first on PATH.
set -euo pipefail
# the picture's mouth timing for `lipsync fit c012.xdts ...`, and a dub's sheet
lipsync analyze take1.wav -s take1.txt -p anime-3 --track-name MOUTH -f xdts -o c012.xdts -q
lipsync analyze en.wav -s take1.txt -p anime-3 --track-name MOUTH -f sheet -o en.json -q
# a season's folders for `lipsync batch --glob 'S01/E*/dialogue_*.wav'`
mkdir -p S01/E01
cp take1.wav S01/E01/dialogue_bob.wav
cp en.srt S01/E01/script.srt
