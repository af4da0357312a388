"""Tests of lipsync.evaluate: the readers of reference/result files, the label -> shape mapping
and the eval-dev metrics (acc9, acc3, rest, closure, flicker), the phone boundary metric (share within
20 ms, median error), pooled totals and the report."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lipsync import evaluate, fileio
from lipsync.errors import EvaluationError
from lipsync.evaluate import (Scores, Segment, boundary_errors, combine_scores, detect_phoneset,
                              evaluate_manifest, evaluate_pair, evaluate_timelines, format_report,
                              label_shape, missed_closures, phone_boundaries, read_phones, read_timeline,
                              scores_to_dict)
from lipsync.sheet import Cue, Phone, Sheet, ShapeInfo, ShapeSet, Track, sheet_to_json
from lipsync.timing import FrameRate

RHUBARB = ShapeSet("rhubarb", "X", tuple(ShapeInfo(name, number) for number, name in enumerate("ABCDEFGHX")))


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def reference_tsv(folder: Path, name: str, rows: list[tuple[float, float, str]]) -> Path:
    lines = ["start_sec\tend_sec\tphone"] + [f"{start:.6f}\t{end:.6f}\t{label}" for start, end, label in rows]
    return write(folder, name, "\n".join(lines) + "\n")


def rhubarb_tsv(folder: Path, name: str, cues: list[tuple[float, str]], end: float) -> Path:
    lines = [f"{start:.2f}\t{shape}" for start, shape in cues] + [f"{end:.2f}\tX"]
    return write(folder, name, "\n".join(lines) + "\n")


def seg(start: float, end: float, label: str) -> Segment:
    return Segment(start, end, label)


# --- Readers -----------------------------------------------------------------------------------

def test_timit_phn_sample_offsets_are_16khz(tmp_path: Path) -> None:
    path = write(tmp_path, "sa1.phn", "0 3200 h#\n3200 4800 bcl\n4800 8000 aa\n")
    assert read_timeline(path) == (seg(0, 0.2, "h#"), seg(0.2, 0.3, "bcl"), seg(0.3, 0.5, "aa"))


def test_htk_lab_is_in_100ns_units(tmp_path: Path) -> None:
    path = write(tmp_path, "a.lab", "0 2000000 sil\n2000000 3000000 m\n3000000 5000000 aa\n")
    assert read_timeline(path) == (seg(0, 0.2, "sil"), seg(0.2, 0.3, "m"), seg(0.3, 0.5, "aa"))


def test_festival_lab_gives_end_times_after_the_hash_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a.lab", "separator ;\nnfields 1\n#\n0.2 125 pau\n0.3 125 m\n0.5 125 aa\n")
    assert read_timeline(path) == (seg(0, 0.2, "pau"), seg(0.2, 0.3, "m"), seg(0.3, 0.5, "aa"))


LONG_TEXTGRID = """File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0
xmax = 0.5
tiers? <exists>
size = 2
item []:
    item [1]:
        class = "IntervalTier"
        name = "words"
        xmin = 0
        xmax = 0.5
        intervals: size = 1
        intervals [1]:
            xmin = 0
            xmax = 0.5
            text = "ma"
    item [2]:
        class = "IntervalTier"
        name = "phones"
        xmin = 0
        xmax = 0.5
        intervals: size = 3
        intervals [1]:
            xmin = 0
            xmax = 0.2
            text = ""
        intervals [2]:
            xmin = 0.2
            xmax = 0.3
            text = "m"
        intervals [3]:
            xmin = 0.3
            xmax = 0.5
            text = "ɑ"
"""

SHORT_TEXTGRID = """File type = "ooTextFile"
Object class = "TextGrid"

0
0.5
<exists>
2
"IntervalTier"
"words"
0
0.5
1
0
0.5
"ma"
"IntervalTier"
"segments"
0
0.5
3
0
0.2
""
0.2
0.3
"m"
0.3
0.5
"ɑ"
"""


@pytest.mark.parametrize("text", [LONG_TEXTGRID, SHORT_TEXTGRID], ids=["long", "short"])
def test_textgrid_reads_the_phone_tier_not_the_words(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "a.TextGrid", text)
    assert read_timeline(path) == (seg(0, 0.2, ""), seg(0.2, 0.3, "m"), seg(0.3, 0.5, "ɑ"))


def test_textgrid_without_a_phone_tier_uses_the_first_interval_tier(tmp_path: Path) -> None:
    path = write(tmp_path, "a.TextGrid", LONG_TEXTGRID.replace('"phones"', '"tier2"'))
    assert read_timeline(path) == (seg(0, 0.5, "ma"),)


PGO = """lipsync version 1
hello.wav
24
20
1
\tVoice 1
\tHello
\t1
\t\tHello
\t\t2
\t\t16
\t\t1
\t\t\tHello 2 16 4
\t\t\t\t2 E
\t\t\t\t6 E
\t\t\t\t9 L
\t\t\t\t13 O
"""


def test_papagayo_phonemes_last_to_the_next_and_rest_around_words(tmp_path: Path) -> None:
    path = write(tmp_path, "hello.pgo", PGO)
    # (the two E phonemes read as one E from frame 2 to 9: the same mouth on every frame)
    frames = [(0, 2, "rest"), (2, 9, "E"), (9, 13, "L"), (13, 17, "O"), (17, 20, "rest")]
    assert read_timeline(path) == tuple(seg(a / 24, b / 24, label) for a, b, label in frames)


def test_eval_dev_tsv_skips_its_header(tmp_path: Path) -> None:
    path = reference_tsv(tmp_path, "a.tsv", [(0, 0.2, "sil"), (0.2, 0.35, "@:")])
    assert read_timeline(path) == (seg(0, 0.2, "sil"), seg(0.2, 0.35, "@:"))


def test_rhubarb_tsv_last_line_is_the_end(tmp_path: Path) -> None:
    path = rhubarb_tsv(tmp_path, "out.tsv", [(0, "X"), (0.1, "A"), (0.25, "C")], 0.4)
    assert read_timeline(path) == (seg(0, 0.1, "X"), seg(0.1, 0.25, "A"), seg(0.25, 0.4, "C"))


def test_rhubarb_json_mouth_cues(tmp_path: Path) -> None:
    data = {"metadata": {"duration": 0.3},
            "mouthCues": [{"start": 0.0, "end": 0.1, "value": "X"}, {"start": 0.1, "end": 0.3, "value": "B"}]}
    path = write(tmp_path, "out.json", json.dumps(data))
    assert read_timeline(path) == (seg(0, 0.1, "X"), seg(0.1, 0.3, "B"))


def test_sheet_json_uses_the_first_track_at_the_exact_rate(tmp_path: Path) -> None:
    rate = FrameRate(24000, 1001)
    cues = (Cue(0, 24, "X"), Cue(24, 3, "A"), Cue(27, 1, "C"))
    sheet = Sheet(rate=rate, duration_frames=28, tracks=(Track("mouth", cues), Track("other", ())),
                  preset=RHUBARB)
    path = write(tmp_path, "sheet.json", sheet_to_json(sheet))
    assert read_timeline(path) == (seg(0, 1.001, "X"), seg(1.001, 27 * 1001 / 24000, "A"),
                                   seg(27 * 1001 / 24000, 28 * 1001 / 24000, "C"))


@pytest.mark.parametrize("name, content", [
    ("a.tsv", "hello there\nthis is prose, not timings\n"),
    ("a.phn", "0.0 0.1 h#\n"),
    ("a.TextGrid", "File type = \"ooTextFile\"\nObject class = \"TextGrid\"\nnonsense\n"),
    ("a.json", "{\"tracks\": "),
    ("a.json", "{\"something\": 1}"),
    ("a.pgo", "lipsync version 1\nhello.wav\ntwenty-four\n"),
    ("a.tsv", "start_sec\tend_sec\tphone\n"),
])
def test_garbage_raises_evaluation_error_with_a_hint(tmp_path: Path, name: str, content: str) -> None:
    with pytest.raises(EvaluationError) as caught:
        read_timeline(write(tmp_path, name, content))
    assert name in caught.value.message and caught.value.hint


def test_binary_and_missing_files_raise_evaluation_error(tmp_path: Path) -> None:
    binary = tmp_path / "a.tsv"
    binary.write_bytes(bytes(range(256)))
    for path in (binary, tmp_path / "absent.tsv"):
        with pytest.raises(EvaluationError) as caught:
            read_timeline(path)
        assert caught.value.hint


# --- Labels -> shapes ----------------------------------------------------------------------------

@pytest.mark.parametrize("phoneset, labels", [
    ("arpabet", {"h#": "X", "pau": "X", "epi": "X", "bcl": "A", "pcl": "A", "em": "A", "dcl": "B",
                 "kcl": "B", "el": "H", "en": "B", "nx": "B", "ux": "F", "ax": "C", "ix": "B",
                 "axr": "E", "hv": "B", "f": "G", "aw": "D", "ey": "C", "oy": "E", "y": "B", "w": "F",
                 "AH0": "C", "M": "A"}),
    ("sampa", {"sil": "X", "H#": "X", "@": "C", "@:": "E", "i:": "B", "V": "C", "A": "D", "O": "E",
               "u:": "F", "ai": "D", "@u": "E", "m": "A", "db": "A", "H": "B", "l": "H"}),
    ("ipa", {"sil": "X", "ə": "C", "ɔ": "E", "θ": "B", "ð": "B", "ʌ": "C", "ɪ": "B", "aɪ": "D",
             "oʊ": "E", "iː": "B", "pʰ": "A", "w": "F", "v": "G"}),
    ("preston-blair", {"MBP": "A", "etc": "B", "E": "C", "AI": "D", "O": "E", "U": "F", "WQ": "F",
                       "FV": "G", "L": "H", "rest": "X"}),
    ("shapes", {letter: letter for letter in "ABCDEFGHX"}),
])
def test_labels_map_to_the_shapes_of_the_eval_dev_readme(phoneset: str, labels: dict[str, str]) -> None:
    assert {label: label_shape(label, phoneset) for label in labels} == labels


@pytest.mark.parametrize("labels, phoneset", [
    (["h#", "sh", "iy", "hv", "ae", "dcl", "ix", "bcl", "b", "h#"], "arpabet"),
    (["sil", "V", "m", "@:", "i:", "E", "S", "sil"], "sampa"),
    (["sil", "ð", "ə", "n", "ɔ", "θ", "w", "ɪ"], "ipa"),
    (["rest", "etc", "O", "E", "MBP", "AI", "L", "rest"], "preston-blair"),
    (["X", "B", "C", "A", "X"], "shapes"),
])
def test_the_phone_set_is_detected_from_the_labels(labels: list[str], phoneset: str) -> None:
    assert detect_phoneset(labels) == phoneset


# --- Metrics -------------------------------------------------------------------------------------

TIMIT_ROWS = [(0, 0.3, "h#"), (0.3, 0.36, "bcl"), (0.36, 0.38, "b"), (0.38, 0.55, "aa"), (0.55, 0.62, "m"),
              (0.62, 0.8, "iy"), (0.8, 0.9, "f"), (0.9, 1.2, "h#")]


def test_a_perfect_result_scores_one(tmp_path: Path) -> None:
    reference = reference_tsv(tmp_path, "ref.tsv", TIMIT_ROWS)
    result = rhubarb_tsv(tmp_path, "out.tsv", [(0, "X"), (0.3, "A"), (0.38, "D"), (0.55, "A"), (0.62, "B"),
                                                (0.8, "G"), (0.9, "X")], 1.2)
    scores = evaluate_pair(reference, result)
    assert (scores.frames, scores.acc9, scores.acc3, scores.rest) == (29, 1.0, 1.0, 1.0)
    assert (scores.closure, scores.closures) == (1.0, 2)  # "bcl b" is one bilabial
    assert (scores.flicker, scores.holds, scores.unknown) == (0.0, 7, ())


def test_a_missed_bilabial_of_two_gives_closure_one_half() -> None:
    reference = [seg(*row) for row in TIMIT_ROWS]
    result = [seg(0, 0.3, "X"), seg(0.3, 0.38, "A"), seg(0.38, 0.8, "C"), seg(0.8, 1.2, "X")]
    scores = evaluate_timelines(reference, result)
    assert (scores.closure, scores.closures) == (0.5, 2)


def test_a_closure_one_frame_late_still_counts_but_two_frames_late_does_not() -> None:
    reference = [seg(0, 0.5, "aa"), seg(0.5, 0.55, "m"), seg(0.55, 1.0, "aa")]  # m in frames 12-13

    def closure(closed_frame: int) -> float | None:
        result = [seg(0, closed_frame / 24, "D"), seg(closed_frame / 24, (closed_frame + 1) / 24, "A"),
                  seg((closed_frame + 1) / 24, 1.0, "D")]
        return evaluate_timelines(reference, result).closure

    assert (closure(11), closure(14), closure(10), closure(15)) == (1.0, 1.0, 0.0, 0.0)


def test_a_closure_is_judged_on_the_frames_a_rounded_tsv_stands_for(tmp_path: Path) -> None:
    # eval-dev's dr2-marc0_sx288: the b of "Brush" bursts at 0.2114 s (frame 5); a sheet closed on
    # frame 3 alone is two frames early, though its TSV's 0.17 (for 4/24 = 0.1667) reads as
    # reaching into frame 4
    reference = reference_tsv(tmp_path, "ref.tsv", [(0, 0.211438, "h#"), (0.211438, 0.216125, "b"),
                                                      (0.216125, 0.5, "ah")])
    early = rhubarb_tsv(tmp_path, "early.tsv", [(0, "X"), (0.13, "A"), (0.17, "C")], 0.5)
    assert evaluate_pair(reference, early).closure == 0.0
    one_frame_early = rhubarb_tsv(tmp_path, "ok.tsv", [(0, "X"), (0.17, "A"), (0.21, "C")], 0.5)
    assert evaluate_pair(reference, one_frame_early).closure == 1.0


def test_a_result_late_by_a_tenth_of_a_second_loses_two_frames_of_24() -> None:
    reference = [seg(0, 0.5, "aa"), seg(0.5, 1.0, "iy")]
    result = [seg(0, 0.6, "D"), seg(0.6, 1.0, "B")]  # midpoints 0.521 and 0.5625 disagree
    scores = evaluate_timelines(reference, result)
    assert (scores.frames, scores.acc9, scores.acc3, scores.rest) == (24, 22 / 24, 22 / 24, 1.0)


def test_openness_and_rest_are_scored_apart_from_the_exact_shape() -> None:
    reference = [seg(0, 0.5, "sil"), seg(0.5, 1.0, "ae")]          # X then C
    result = [seg(0, 0.5, "A"), seg(0.5, 1.0, "D")]                 # A (closed) then D (open)
    scores = evaluate_timelines(reference, result)
    assert (scores.acc9, scores.acc3, scores.rest) == (0.0, 1.0, 0.5)


def test_frames_follow_the_fps_parameter() -> None:
    reference = [seg(0, 1.0, "aa")]
    assert evaluate_timelines(reference, [seg(0, 1.0, "D")], fps=30).frames == 30


def test_flicker_counts_a_hold_shorter_than_a_frame(tmp_path: Path) -> None:
    reference = reference_tsv(tmp_path, "ref.tsv", [(0, 2.0, "aa")])
    result = rhubarb_tsv(tmp_path, "out.tsv", [(0, "X"), (0.5, "A"), (0.52, "X"), (1.0, "B")], 2.0)
    scores = evaluate_pair(reference, result)
    assert (scores.flicker, scores.holds) == (0.25, 4)


@pytest.mark.parametrize("format_name", ["tsv", "rhubarb-json", "xml", "sheet", "textgrid", "pgo"])
def test_one_frame_holds_written_with_rounded_times_are_not_flicker(tmp_path: Path, format_name: str) -> None:
    # A one-frame hold reads 0.04 s (0.96 of a frame at 24 fps) with two-decimal times.
    from lipsync.exporters import ExportOptions, exporter_named
    cues = (Cue(0, 12, "X"), Cue(12, 1, "A"), Cue(13, 1, "C"), Cue(14, 1, "B"), Cue(15, 2, "A"),
            Cue(17, 1, "D"), Cue(18, 30, "X"))
    sheet = Sheet(rate=FrameRate(24), duration_frames=48, tracks=(Track("mouth", cues),), preset=RHUBARB)
    exporter = exporter_named(format_name)
    path = tmp_path / f"out{exporter.file_suffix}"
    path.write_bytes(exporter.write(sheet, ExportOptions()))
    reference = reference_tsv(tmp_path, "ref.tsv", [(0, 2.0, "aa")])
    scores = evaluate_pair(reference, path)
    assert (scores.flicker, scores.holds) == (0.0, 7)


def test_a_sub_frame_hold_is_flicker_whatever_the_rounding() -> None:
    # Two-decimal times: a hold of half a frame, and one of 0.03 s whose ends are no frame
    # boundaries (0.50 and 0.53 against 0.5 and 0.5417); full precision: 0.99 of a frame.
    reference = [seg(0, 2.0, "aa")]
    two_decimals = [seg(0, 0.5, "X"), seg(0.5, 0.52, "A"), seg(0.52, 1.0, "X"), seg(1.0, 1.03, "B"),
                    seg(1.03, 1.5, "C"), seg(1.5, 2.0, "X")]
    assert evaluate_timelines(reference, two_decimals).flicker == 2 / 6
    exact = [seg(0, 0.5, "X"), seg(0.5, 0.5 + 0.99 / 24, "A"), seg(0.5 + 0.99 / 24, 2.0, "X")]
    assert evaluate_timelines(reference, exact).flicker == 1 / 3


def test_unknown_labels_are_reported_and_match_nothing() -> None:
    reference = [seg(0, 0.5, "aa"), seg(0.5, 1.0, "zzz")]
    result = [seg(0, 0.5, "D"), seg(0.5, 1.0, "?!")]
    scores = evaluate_timelines(reference, result)
    assert scores.unknown == (("?!", 1), ("zzz", 1))
    assert (scores.acc9, scores.rest) == (0.5, 1.0)
    assert "'zzz' x1" in format_report([("a", scores)], scores)


def test_totals_are_pooled_over_frames_not_averaged() -> None:
    short = Scores(frames=10, acc9=1.0, acc3=1.0, rest=1.0, closure=None, closures=0, flicker=0.0, holds=4)
    long = Scores(frames=30, acc9=0.5, acc3=0.6, rest=0.9, closure=0.25, closures=4, flicker=0.5, holds=4,
                  unknown=(("zzz", 2),))
    total = combine_scores([short, long])
    assert (total.frames, total.acc9, total.acc3, total.rest) == (40, 25 / 40, 28 / 40, 37 / 40)
    assert (total.closure, total.closures, total.flicker, total.holds) == (0.25, 4, 0.25, 8)
    assert total.unknown == (("zzz", 2),)


def test_manifest_reports_missing_results_and_finds_source_folders(tmp_path: Path) -> None:
    data = tmp_path / "data"
    reference_tsv(data / "timit", "one.tsv", [(0, 0.5, "h#"), (0.5, 1.0, "aa")])
    reference_tsv(data / "timit", "two.tsv", [(0, 1.0, "aa")])
    write(data, "manifest.tsv", "source\tutt\twav\ttsv\tphoneset\n"
                                "timit\tone\ttimit/one.wav\ttimit/one.tsv\tTIMIT\n"
                                "timit\ttwo\ttimit/two.wav\ttimit/two.tsv\tTIMIT\n")
    results = tmp_path / "results"
    rhubarb_tsv(results / "timit", "one.tsv", [(0, "X"), (0.5, "D")], 1.0)
    rows, total = evaluate_manifest(data / "manifest.tsv", results)
    assert [name for name, _ in rows] == ["one", "two"]
    assert rows[0][1] is not None and rows[0][1].acc9 == 1.0 and rows[1][1] is None
    assert total.frames == 24
    report = format_report(rows, total)
    assert "missing" in report.splitlines()[2] and "TOTAL (1 files)" in report
    summary = format_report(rows, total, per_file=False).splitlines()
    assert summary[-2].startswith("TOTAL (1 files)") and not any(
        line.startswith(("one", "two")) for line in summary)


def test_manifest_without_its_columns_raises(tmp_path: Path) -> None:
    manifest = write(tmp_path, "manifest.tsv", "a\tb\n1\t2\n")
    with pytest.raises(EvaluationError):
        evaluate_manifest(manifest, tmp_path)


def test_report_columns_line_up_and_dict_is_json_ready() -> None:
    scores = evaluate_timelines([seg(*row) for row in TIMIT_ROWS], [seg(0, 1.2, "X")])
    report = format_report([("a-rather-long-utterance-name", scores), ("b", scores)], scores)
    table = [line for line in report.splitlines() if not line.startswith("-")]
    assert len({len(line) for line in table}) == 1  # right-aligned columns end together
    assert table[-1].startswith("TOTAL")
    data = json.loads(json.dumps(scores_to_dict(scores)))
    assert data["frames"] == 29 and data["closure"] == 1.0 and data["closures"] == 2


# --- The phone boundary metric -----------------------------------------------------------------

def test_reference_boundaries_join_closures_with_their_release_and_silences() -> None:
    timit = [seg(0, 0.1, "h#"), seg(0.1, 0.15, "bcl"), seg(0.15, 0.2, "b"), seg(0.2, 0.3, "iy"),
             seg(0.3, 0.35, "tcl"), seg(0.35, 0.4, "ax"), seg(0.4, 0.5, "pau"), seg(0.5, 0.6, "h#")]
    # an unreleased closure (tcl before ax) is a phone of its own
    assert phone_boundaries(timit) == [0.1, 0.2, 0.3, 0.35, 0.4]
    # a gap between phones is a silence; the SAMPA aspiration H belongs to its stop
    sampa = [seg(0.1, 0.2, "p"), seg(0.2, 0.25, "H"), seg(0.25, 0.4, "{"), seg(0.6, 0.7, "t")]
    assert phone_boundaries(sampa) == [0.2 + 0.05, 0.4, 0.6]


def test_boundaries_are_matched_one_to_one_within_20_ms() -> None:
    errors, matched = boundary_errors([0.10, 0.11, 0.30], [0.105, 0.50])
    assert errors == (0.005, 0.005, 0.195)
    assert matched == 1  # one result boundary cannot match two reference boundaries
    assert boundary_errors([0.10], [0.121]) == ((0.021,), 0)
    assert boundary_errors([0.10], [0.119]) == ((0.019,), 1)


def sheet_with_phones(folder: Path, phones: list[tuple[float, float, str]]) -> Path:
    rate = FrameRate(24, 1)
    track = Track("mouth", (Cue(0, 24, "X"),), phones=tuple(Phone(a, b, s) for a, b, s in phones))
    sheet = Sheet(rate=rate, duration_frames=24, tracks=(track,), preset=RHUBARB)
    return write(folder, "result.json", sheet_to_json(sheet))


def test_a_result_with_phones_gets_the_boundary_metric(tmp_path: Path) -> None:
    reference = reference_tsv(tmp_path, "ref.tsv", [(0, 0.2, "h#"), (0.2, 0.3, "m"), (0.3, 0.5, "aa"),
                                                      (0.5, 1.0, "h#")])
    # boundaries at 0.2, 0.3, 0.5 in the reference; the result's at 0.21, 0.34, 0.5
    result = sheet_with_phones(tmp_path, [(0.21, 0.34, "m"), (0.34, 0.5, "ɑ")])
    assert read_phones(result) == (seg(0.21, 0.34, "m"), seg(0.34, 0.5, "ɑ"))
    scores = evaluate_pair(reference, result)
    assert scores.boundaries == 3 and scores.within20 == pytest.approx(2 / 3)
    assert scores.boundary_median == pytest.approx(0.01)
    data = scores_to_dict(scores)
    assert data["within20"] == pytest.approx(0.666667) and data["boundary_median_ms"] == 10.0
    assert "0.667" in format_report([("a", scores)], scores) and "10.0ms" in format_report([("a", scores)], scores)
    # pooled exactly over the files' boundaries
    total = combine_scores([scores, scores])
    assert total.boundaries == 6 and total.within20 == pytest.approx(2 / 3)


def closed_then_open_sheet(folder: Path, cues: tuple[Cue, ...], preset: ShapeSet = RHUBARB) -> Path:
    """A lipsync sheet of one second whose phones are m then ɑ (closed, then open at 0.5 s)."""
    track = Track("mouth", cues, phones=(Phone(0.0, 0.5, "m"), Phone(0.5, 1.0, "ɑ")))
    sheet = Sheet(rate=FrameRate(24), duration_frames=24, tracks=(track,), preset=preset)
    return write(folder, "take.json", sheet_to_json(sheet))


def test_a_sheet_is_scored_by_the_mouths_it_shows_not_by_its_phones(tmp_path: Path) -> None:
    # A mouth corrected by hand (in the review page) changes the cues, not the phones: here B
    # is shown for the first 6 frames of the open vowel, where the phones alone would give D.
    cues = (Cue(0, 12, "A"), Cue(12, 6, "B"), Cue(18, 6, "D"))
    sheet = closed_then_open_sheet(tmp_path, cues)
    reference = reference_tsv(tmp_path, "ref.tsv", [(0, 0.5, "m"), (0.5, 1.0, "aa")])
    scores = evaluate_pair(reference, sheet)
    assert (scores.frames, scores.acc9, scores.acc3, scores.holds) == (24, 0.75, 0.75, 3)
    # the same mouths written as Rhubarb's TSV score the same
    tsv = rhubarb_tsv(tmp_path, "take.tsv", [(0, "A"), (0.5, "B"), (0.75, "D")], 1.0)
    from_tsv = evaluate_pair(reference, tsv)
    assert (from_tsv.acc9, from_tsv.acc3, from_tsv.rest, from_tsv.closure, from_tsv.holds) == \
           (scores.acc9, scores.acc3, scores.rest, scores.closure, scores.holds)
    # its phones still give the boundary metric
    assert (scores.boundaries, scores.within20) == (1, 1.0)


def test_a_sheet_as_the_reference_gives_its_mouths_and_its_phones_boundaries(tmp_path: Path) -> None:
    # a sheet corrected by hand as the reference: its mouths, not its phones, are what to match
    sheet = closed_then_open_sheet(tmp_path, (Cue(0, 12, "A"), Cue(12, 6, "B"), Cue(18, 6, "D")))
    scores = evaluate_pair(sheet, sheet)
    assert (scores.acc9, scores.closure, scores.boundaries, scores.within20) == (1.0, 1.0, 1, 1.0)
    same_mouths = rhubarb_tsv(tmp_path, "same.tsv", [(0, "A"), (0.5, "B"), (0.75, "D")], 1.0)
    assert evaluate_pair(sheet, same_mouths).acc9 == 1.0
    as_the_phones_say = rhubarb_tsv(tmp_path, "phones.tsv", [(0, "A"), (0.5, "D")], 1.0)
    assert evaluate_pair(sheet, as_the_phones_say).acc9 == 0.75


def test_a_pair_of_sheets_is_read_and_parsed_once_each_and_scores_as_read_apart(tmp_path: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # both sheets give their mouths and their phones (the reference's, being mouths, for the boundaries)
    reference = closed_then_open_sheet(tmp_path, (Cue(0, 12, "A"), Cue(12, 6, "B"), Cue(18, 6, "D")))
    reference = reference.rename(tmp_path / "reference.json")
    result = closed_then_open_sheet(tmp_path, (Cue(0, 10, "A"), Cue(10, 14, "D")))
    apart = evaluate_timelines(read_timeline(reference), read_timeline(result), result_phones=read_phones(result),
                               reference_phones=read_phones(reference))
    reads: Counter[str] = Counter()
    parses: Counter[str] = Counter()

    def counted(counter: Counter[str], function: Callable[..., Any], where: int = 0) -> Callable[..., Any]:
        """``function``, counting its calls by the name of the file its argument ``where`` is."""
        def call(*args: Any, **options: Any) -> Any:
            counter[Path(args[where]).name] += 1
            return function(*args, **options)
        return call

    monkeypatch.setattr(evaluate, "read_input", counted(reads, evaluate.read_input))
    monkeypatch.setattr(fileio, "read_input", counted(reads, fileio.read_input))
    monkeypatch.setattr(evaluate, "parse_sheet", counted(parses, evaluate.parse_sheet, where=1))
    assert evaluate_pair(reference, result) == apart
    assert reads == parses == Counter({"reference.json": 1, "take.json": 1})


def test_a_sheet_of_mouths_evaluate_cannot_compare_is_refused_with_a_hint(tmp_path: Path) -> None:
    anime = ShapeSet("anime-3", "closed", (ShapeInfo("closed", 1), ShapeInfo("half", 2), ShapeInfo("open", 3)))
    sheet = closed_then_open_sheet(tmp_path, (Cue(0, 12, "closed"), Cue(12, 12, "open")), anime)
    reference = reference_tsv(tmp_path, "ref.tsv", [(0, 0.5, "m"), (0.5, 1.0, "aa")])
    with pytest.raises(EvaluationError, match=r"mouths \(closed, open\) are not Rhubarb") as error:
        evaluate_pair(reference, sheet)
    assert "--preset rhubarb" in error.value.hint


def test_no_boundary_metric_without_phones_on_both_sides(tmp_path: Path) -> None:
    reference = reference_tsv(tmp_path, "ref.tsv", [(0, 0.2, "h#"), (0.2, 0.3, "m"), (0.3, 0.5, "aa")])
    shapes_only = rhubarb_tsv(tmp_path, "res.tsv", [(0, "X"), (0.2, "A"), (0.3, "D")], 0.5)
    assert read_phones(shapes_only) is None
    scores = evaluate_pair(reference, shapes_only)
    assert scores.boundaries == 0 and scores.within20 is None and scores.boundary_median is None
    mouths = reference_tsv(tmp_path, "mouths.tsv", [(0, 0.2, "rest"), (0.2, 0.3, "MBP"), (0.3, 0.5, "AI")])
    assert evaluate_pair(mouths, sheet_with_phones(tmp_path, [(0.2, 0.3, "m")])).boundaries == 0


def test_manifest_takes_phones_from_the_sheet_beside_each_result(tmp_path: Path) -> None:
    data = tmp_path / "data"
    reference_tsv(data, "one.tsv", [(0, 0.5, "h#"), (0.5, 1.0, "aa")])
    write(data, "manifest.tsv", "utt\ttsv\tphoneset\none\tone.tsv\tTIMIT\n")
    results = tmp_path / "results"
    rhubarb_tsv(results, "one.tsv", [(0, "X"), (0.5, "D")], 1.0)
    assert evaluate_manifest(data / "manifest.tsv", results)[1].boundaries == 0
    sheet_with_phones(results, [(0.51, 1.0, "ɑ")]).rename(results / "one.json")
    rows, total = evaluate_manifest(data / "manifest.tsv", results)
    assert total.boundaries == 1 and total.within20 == 1.0 and total.acc9 == 1.0


def _rules_benchmark():
    import importlib.util

    spec = importlib.util.spec_from_file_location("rules_benchmark", Path(__file__).parents[1] / "benchmarks" / "rules.py")
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)  # type: ignore[union-attr]
    return benchmark


def test_reference_phones_read_hand_labels_as_the_recognizer_would_give_them():
    # benchmarks/rules.py animates the hand labels: a TIMIT closure and its release are one stop,
    # an unreleased closure is the stop, reduced vowels fold into the recognizer's phones.
    benchmark = _rules_benchmark()
    timit = [Segment(0.0, 0.2, "h#"), Segment(0.2, 0.25, "bcl"), Segment(0.25, 0.27, "b"),
             Segment(0.27, 0.4, "ix"), Segment(0.4, 0.45, "tcl"), Segment(0.45, 0.5, "pau"),
             Segment(0.5, 0.6, "axr"), Segment(0.6, 0.7, "h#")]
    phones = benchmark.reference_phones(timit, "arpabet")
    assert [(p.start, p.end, p.symbol) for p in phones] == [
        (0.2, 0.27, "b"), (0.27, 0.4, "ɪ"), (0.4, 0.45, "t"), (0.5, 0.6, "ɚ")]
    # SAMPA aspiration belongs to the stop before it; the Australian NURSE vowel is ER
    sampa = [Segment(0.0, 0.1, "sil"), Segment(0.1, 0.15, "t"), Segment(0.15, 0.2, "H"), Segment(0.2, 0.4, "@:")]
    assert [(p.start, p.end, p.symbol) for p in benchmark.reference_phones(sampa, "sampa")] == [
        (0.1, 0.2, "t"), (0.2, 0.4, "ɝ")]


def test_missed_closures_are_the_bilabials_the_closure_metric_misses() -> None:
    reference = [seg(*row) for row in TIMIT_ROWS]
    result = [seg(0, 0.3, "X"), seg(0.3, 0.38, "A"), seg(0.38, 0.8, "C"), seg(0.8, 1.2, "X")]
    assert missed_closures(reference, result) == [(0.55, 0.62)]  # the m; "bcl b" is shown closed
    assert evaluate_timelines(reference, result).closure == 0.5


def test_the_rules_benchmark_says_why_each_closure_was_missed():
    # the m heard as n (in a word not in the transcript), the b dropped inside a vowel (in a
    # transcript word); the p, recognized for less than a frame, is held closed
    from lipsync.presets import load_preset
    from lipsync.sheet import Phone, Word

    benchmark = _rules_benchmark()
    reference = [seg(0.0, 0.3, "h#"), seg(0.3, 0.5, "aa"), seg(0.5, 0.58, "m"), seg(0.58, 0.8, "iy"),
                 seg(0.8, 0.84, "bcl"), seg(0.84, 0.86, "b"), seg(0.86, 1.1, "aa"), seg(1.1, 1.15, "p"),
                 seg(1.15, 1.4, "aa"), seg(1.4, 1.6, "h#")]
    phones = [Phone(0.3, 0.5, "ɑ"), Phone(0.5, 0.58, "n"), Phone(0.58, 0.83, "i"), Phone(0.83, 1.1, "ɑ"),
              Phone(1.1, 1.115, "p"), Phone(1.115, 1.4, "ɑ")]
    words = [Word(0.3, 0.8, "honey"), Word(0.8, 1.4, "ah")]
    counts = benchmark.closure_misses(reference, "arpabet", phones, load_preset("rhubarb"), 39, words, "Ah, Amy!")
    assert counts == {"heard as n": 1, "heard as n, in a misheard word": 1, "dropped": 1}


def test_the_rules_benchmark_sorts_wrong_rest_by_where_it_lies_and_scores_perfect_speech_edges():
    # benchmarks/rules.py --breakdown: a result that starts talking two frames late, runs on a
    # frame into the pause, and holds through a short epenthetic silence, as the rhubarb preset does
    from lipsync.presets import load_preset

    benchmark = _rules_benchmark()
    reference = [Segment(0.0, 0.25, "h#"), Segment(0.25, 0.5, "aa"), Segment(0.5, 0.55, "epi"),
                 Segment(0.55, 0.75, "s"), Segment(0.75, 1.0, "aa"), Segment(1.0, 1.5, "h#")]
    phones = [Phone(0.33, 0.5, "ɑ"), Phone(0.55, 0.75, "s"), Phone(0.75, 1.04, "ɑ")]
    preset = load_preset("rhubarb")
    counts = benchmark.breakdown(reference, "arpabet", phones, preset, 36)
    assert counts["rest: resting after speech starts"] == 2      # frames 6 and 7 (0.27 s, 0.31 s)
    assert counts["rest: talking in a pause under 0.12 s"] == 1  # the epenthetic silence, held
    assert counts["rest: talking after speech ends"] == 1        # 1.02 s
    assert sum(count for key, count in counts.items() if key.startswith("rest: ")) == 4
    # the result's edges of speech moved onto the reference's; the short silence is no edge
    stretches = benchmark.speech_stretches(reference, "arpabet", preset.timing.relax_gap)
    assert stretches == [(0.25, 1.0)]
    moved = benchmark.with_reference_edges(phones, stretches)
    assert [(p.start, p.end) for p in moved] == [(0.25, 0.5), (0.55, 0.75), (0.75, 1.0)]
    after = benchmark.breakdown(reference, "arpabet", moved, preset, 36)
    assert [key for key in after if key.startswith("rest: ")] == ["rest: talking in a pause under 0.12 s"]


def test_the_rules_benchmark_lists_each_frame_wrong_on_resting_with_what_is_around_it():
    # benchmarks/rules.py --rest-frames: the epenthetic silence held, then a frame of talking
    # into the final pause; each line says where the frame lies and what is labelled and heard
    from lipsync.presets import load_preset

    benchmark = _rules_benchmark()
    reference = [Segment(0.0, 0.25, "h#"), Segment(0.25, 0.5, "aa"), Segment(0.5, 0.55, "epi"),
                 Segment(0.55, 0.75, "s"), Segment(0.75, 1.0, "aa"), Segment(1.0, 1.5, "h#")]
    phones = [Phone(0.25, 0.5, "ɑ"), Phone(0.55, 0.75, "s"), Phone(0.75, 1.04, "ɑ")]
    lines = benchmark.rest_frames(reference, "arpabet", phones, load_preset("rhubarb"), 36)
    assert [line.split("  ")[:2] for line in lines] == [
        ["0.521", "talking in a pause under 0.12 s"], ["1.021", "talking after speech ends"]]
    assert "reference aa[0.750-1.000] h#[1.000-1.500]" in lines[1]
    assert lines[1].endswith("phones ɑ[0.750-1.040]")
