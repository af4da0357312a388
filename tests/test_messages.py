"""Messages that name the real problem: what a file really is (a Word file, a PDF, an audio
file...) and what to do, a folder where a file belongs, a command-line option reported once, and
lengths of audio a person can read (lipsync.filetypes, the CLI's batch reporting), and the side
of a fit or adapt check whose analysis failed, with that side's options."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from lipsync.batch.report import audio_length
from lipsync.cli import main
from lipsync.filetypes import binary_kind

DATA = Path(__file__).resolve().parent.parent / "lipsync" / "data"
SAMPLE = DATA / "sample.flac"


def zipped(*names: str, mimetype: bytes | None = None) -> bytes:
    """A zip archive holding ``names`` (what Office and OpenDocument files are)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if mimetype is not None:
            archive.writestr("mimetype", mimetype)
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


FILES = {
    "script.docx": (zipped("[Content_Types].xml", "word/document.xml"), "a Word file", "Plain Text (.txt"),
    "script.xlsx": (zipped("[Content_Types].xml", "xl/workbook.xml"), "an Excel workbook", "CSV UTF-8"),
    "script.odt": (zipped("content.xml", mimetype=b"application/vnd.oasis.opendocument.text"),
                   "an OpenDocument text", "Text (.txt)"),
    "script.pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n", "a PDF", "plain text file"),
    "script.rtf": (b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} Hello there!}", "an RTF (rich text) file",
                   "plain text (.txt"),
    "script.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "an old Word or Excel file", "plain text"),
    "script.zip": (zipped("script.txt"), "a compressed archive", "unpack it"),
    "script.png": (b"\x89PNG\r\n\x1a\n" + bytes(64), "an image", "plain text"),
}


def run(*args: str):
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    return result


def one_error_line(result) -> str:
    """The output of a failed command: exactly one line, ``error: ... (hint: ...)``."""
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "(hint: " in lines[0], result.output
    return lines[0]


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_document_given_as_script_is_named_with_what_to_do(name: str, tmp_path: Path) -> None:
    data, what, hint = FILES[name]
    script = tmp_path / name
    script.write_bytes(data)
    line = one_error_line(run("analyze", SAMPLE, "--script", script))
    assert f"{name}: this is {what}" in line and "not a plain-text script" in line
    assert hint in line.split("(hint: ", 1)[1]


def test_audio_given_as_script_says_the_voice_track_comes_first() -> None:
    line = one_error_line(run("analyze", SAMPLE, "--script", SAMPLE))
    assert "this is an audio file" in line and "lipsync analyze AUDIO --script SCRIPT" in line


@pytest.mark.parametrize("text", ["ID3 is the tag, says BOB.", "BZh... hello there!", "GIF8 was a format.",
                                  "OggS and more.", "Rar! Rar! Hello."])
def test_text_that_starts_like_a_file_signature_is_still_text(text: str) -> None:
    assert binary_kind(text.encode("utf-8")) is None
    assert binary_kind(text.encode("utf-16")) is None


def test_an_excel_manifest_says_save_it_as_csv(tmp_path: Path) -> None:
    manifest = tmp_path / "season1.xlsx"
    manifest.write_bytes(FILES["script.xlsx"][0])
    line = one_error_line(run("batch", manifest, "-o", tmp_path / "out"))
    assert "season1.xlsx: this is an Excel workbook, not a CSV, TSV or TOML manifest" in line
    assert "CSV UTF-8 (.csv)" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command, kind", [
    (("batch", "{folder}", "-o", "{out}"), "manifest"),
    (("analyze", SAMPLE, "--script", "{folder}"), "script"),
    (("export", "{folder}", "-f", "tsv"), "sheet"),
    (("fit", SAMPLE, SAMPLE, "--script", "{folder}"), "script"),
    (("analyze", SAMPLE, "-p", "{folder}/"), "preset"),
])
def test_a_folder_given_where_a_file_belongs_is_called_a_folder(command: tuple, kind: str, tmp_path: Path) -> None:
    folder = tmp_path / "season1"
    folder.mkdir()
    words = [str(word).format(folder=folder, out=tmp_path / "out") for word in command]
    line = one_error_line(run(*words))
    assert f"{kind} '{folder}' is a folder, not a file" in line and "not found" not in line
    assert not (tmp_path / "out").exists()


def test_a_bad_diarize_option_is_one_option_error_not_one_per_row(tmp_path: Path) -> None:
    (tmp_path / "notamodel").mkdir()
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"audio\n{SAMPLE}\n{SAMPLE}\n{SAMPLE}\n", encoding="utf-8")
    line = one_error_line(run("batch", manifest, "-o", tmp_path / "out", "--diarize", tmp_path / "notamodel"))
    assert line.startswith("error: --diarize: ") and "is not a pyannote pipeline" in line
    assert "row" not in line


def test_a_bad_speakers_option_is_one_option_error(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("BOB\n", encoding="utf-8")
    line = one_error_line(run("batch", "--glob", str(tmp_path / "*.wav"), "-o", tmp_path / "out", "--speakers", names))
    assert line.startswith("error: --speakers: ") and "row" not in line


@pytest.mark.parametrize("seconds, said", [(0.4, "0 s"), (17.45, "17 s"), (59.4, "59 s"), (59.6, "1 min"),
                                           (60, "1 min"), (61, "1 min 1 s"), (1439.6, "24 min"),
                                           (3599, "59 min 59 s"), (3600, "1.00 h"), (5400, "1.50 h")])
def test_audio_lengths_read_as_a_person_says_them(seconds: float, said: str) -> None:
    assert audio_length(seconds) == said


def test_a_short_batch_says_its_seconds_of_audio(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"audio,script\n{SAMPLE},{DATA / 'sample.txt'}\n", encoding="utf-8")
    result = run("batch", manifest, "-o", tmp_path / "out", "--progress", "none", "-j", "1")
    assert result.exit_code == 0, result.output
    assert "(17 s of audio)" in result.output and "; 17 s of audio in " in result.output
    assert "0.00 h" not in result.output


@pytest.mark.parametrize("name, what", [("take1.txt", "a text file"), ("script.docx", "a Word file"),
                                        ("script.pdf", "a PDF"), ("script.rtf", "an RTF (rich text) file")])
def test_a_script_or_document_given_as_audio_is_named(name: str, what: str, tmp_path: Path) -> None:
    audio = tmp_path / name
    audio.write_bytes((DATA / "sample.txt").read_bytes() if name.endswith(".txt") else FILES[name][0])
    line = one_error_line(run("analyze", audio))
    assert f"'{audio}' is {what}, not audio" in line and "--script SCRIPT" in line


def test_a_utf16_script_given_as_audio_is_called_text(tmp_path: Path) -> None:
    audio = tmp_path / "dialogue.wav"
    audio.write_bytes("BOB: Hello there!\nANNA: Hi.\n".encode("utf-16"))
    assert "is a text file, not audio" in one_error_line(run("analyze", audio))


ORIGINAL_LINE = "Please open the window and let the cold air in."
OTHER_LINE = "Oh, hey! I say, Ohio is far away."


@pytest.fixture(scope="module")
def sides(espeak_wav, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An English original, its English dub (another voice) and its French dub, each a voice
    track with its script (.txt); and other.txt, the script of another line."""
    folder = tmp_path_factory.mktemp("sides")
    for name, text, voice in (("orig", ORIGINAL_LINE, "en-us"), ("dub", ORIGINAL_LINE, "en-us+f3"),
                              ("dub_fr", "Ouvre la fenêtre et laisse entrer l'air froid.", "fr")):
        (folder / f"{name}.wav").write_bytes(espeak_wav(text, voice).read_bytes())
        (folder / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
    (folder / "other.txt").write_text(OTHER_LINE + "\n", encoding="utf-8")
    return folder


def fit(folder: Path, original_script: str, dub: str, script: str, *options: str):
    """``lipsync fit orig.wav DUB`` with the scripts of ``folder`` (one alignment pass)."""
    return run("fit", folder / "orig.wav", folder / dub, "--original-script", folder / original_script,
               "--script", folder / script, "--passes", "1", *options)


def test_a_wrong_original_script_names_the_original_and_its_options(sides: Path) -> None:
    line = one_error_line(fit(sides, "other.txt", "dub.wav", "dub.txt"))
    assert line.startswith("error: original orig.wav: 1 of 1 script lines do not match the recording")
    assert line.endswith("(hint: check --original-script (and --original-language))")


def test_a_wrong_dub_script_names_the_dub_and_its_options(sides: Path) -> None:
    line = one_error_line(fit(sides, "orig.txt", "dub.wav", "other.txt"))
    assert line.startswith("error: dub dub.wav: 1 of 1 script lines do not match the recording")
    assert line.endswith("(hint: check --script (and --language))")


def test_an_original_in_another_language_than_the_dub_says_to_pass_original_language(sides: Path) -> None:
    line = one_error_line(fit(sides, "orig.txt", "dub_fr.wav", "dub_fr.txt", "-l", "fr"))
    assert line.startswith("error: original orig.wav: the script looks like English (en-us), not French")
    assert "(hint: pass --original-language en-us (or --original-language auto)" in line


def test_adapt_names_the_original_and_its_options(sides: Path) -> None:
    line = one_error_line(run("adapt", sides / "orig.wav", "--original-script", sides / "other.txt",
                              "-n", "1", "-t", "Bonjour", "-l", "fr"))
    assert line.startswith("error: original orig.wav: 1 of 1 script lines do not match the recording")
    assert line.endswith("(hint: check --original-script (and --original-language))")


def test_a_batch_rows_failure_names_the_side_and_its_columns(sides: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "sides.csv"
    manifest.write_text("kind,character,original,original_script,audio,script,language\n"
                        f"fit,dub_wrong,{sides}/orig.wav,{sides}/orig.txt,{sides}/dub.wav,{sides}/other.txt,\n"
                        f"adapt,orig_wrong,{sides}/orig.wav,{sides}/other.txt,,{sides}/dub_fr.txt,fr\n",
                        encoding="utf-8")
    result = run("batch", manifest, "-o", tmp_path / "out", "--progress", "none", "-j", "1")
    jobs = {job["id"]: job for job in json.loads((tmp_path / "out" / "batch-report.json").read_text())["jobs"]}
    assert result.exit_code == 1
    assert jobs["dub_wrong.fit"]["error"].startswith("dub dub.wav: 1 of 1 script lines do not match")
    assert jobs["dub_wrong.fit"]["hint"] == "check script (and language)"
    assert jobs["orig_wrong.adapt"]["error"].startswith("original orig.wav: 1 of 1 script lines do not match")
    assert jobs["orig_wrong.adapt"]["hint"] == "check original_script (and original_language)"
