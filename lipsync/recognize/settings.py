"""The tunables of recognition, in one documented, frozen settings object.

Every number that steers how speech is found, how script lines are matched to it, how the
acoustic model searches and how phone boundaries are placed lives here, with its default and
what it does (the model is :class:`lipsync.fit.FitSettings`). A recognizer takes one
:class:`RecognitionSettings`; change a value with :func:`dataclasses.replace`:

>>> from dataclasses import replace
>>> replace(RecognitionSettings(), passes=3).passes
3
>>> RecognitionSettings(passes=0)
Traceback (most recent call last):
...
lipsync.errors.OptionError: recognition setting passes must be 1 to 8, got 0 (hint: 3 is steady; more adds little)
>>> RecognitionSettings(words_topn=0)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
lipsync.errors.OptionError: recognition setting words_topn must be a whole number from 1 to 128, got 0 ...
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from ..errors import OptionError

#: The most alignment passes (frame phases) one may ask for.
MAX_PASSES = 8
#: Gaussians per codebook of the bundled acoustic model: scoring more (``topn``) crashes pocketsphinx.
MAX_TOPN = 128
#: The most frames between fresh choices of the Gaussians an alignment pass scores.
MAX_DOWNSAMPLING = 4


@dataclass(frozen=True)
class RecognitionSettings:
    """How recognition finds phones; the defaults are what ``lipsync analyze`` uses."""

    # --- the acoustic search ------------------------------------------------------------------
    #: align the script this many times, each with the 10 ms analysis frames a fraction of a
    #: frame later, and keep the median of every phone boundary (``analyze --passes``)
    passes: int = 1
    #: beam of the alignment search (pocketsphinx ``beam``/``wbeam``/``pbeam``): very wide,
    #: since with the defaults long utterances fail to align
    beam: float = 1e-200
    #: narrower beam tried first on groups of lines up to ``short_group_seconds`` (faster; on
    #: eval-dev the same boundaries as the wide beam, which takes over where it fails)
    short_beam: float = 1e-100
    short_group_seconds: float = 12.0
    #: English scripts without times too (not only timed lines): groups up to
    #: ``short_group_seconds`` try ``short_beam`` first
    narrow_first: bool = True
    #: Gaussians of each codebook scored per frame in alignment (pocketsphinx ``topn``, the
    #: model's default): 2 saves about 15 % of the alignment's CPU time and keeps acc3/acc9 on
    #: eval-dev, but fewer phone boundaries land within 20 ms (0.805 -> 0.799; 3: 0.800) and
    #: English word onsets of benchmarks/multilingual.py move by 1 ms (median)
    topn: int = 4
    #: the alignment's two passes, each a Viterbi search through every frame: the word pass
    #: places the words and the pauses between them, then the state pass places each word's
    #: phones inside it. The Gaussians scored for a frame (``topn`` of each codebook) are
    #: chosen afresh every this many frames (pocketsphinx ``ds``; in between, those chosen last
    #: are scored again). Scoring is nearly all of the alignment's time: 2 in both passes makes
    #: a scripted analysis about 1.4 times faster, but costs accuracy (eval-dev acc3 0.870 ->
    #: 0.866, boundaries within 20 ms 0.835 -> 0.829; the word pass alone: acc3 0.867, 0.835)
    #: and lowers right lines' confidence, which was calibrated with 1 (docs/speed.md)
    word_pass_downsampling: int = 1
    state_pass_downsampling: int = 1
    #: probability of a pause between words pronounced by espeak-ng (other languages), whose
    #: speakers leave short pauses that the English model would give to the next word
    foreign_silprob: float = 0.3
    #: stretches of speech are cut into pieces at most this long for script-free recognition
    max_chunk_seconds: float = 20.0
    #: script-free English words: the language model's weight against the acoustics
    #: (pocketsphinx ``lw``; its default is 6.5, lower finds more lip closures, higher fewer
    #: wrong words) and the Gaussians scored per codebook (``topn``); chosen on eval-dev,
    #: leave one speaker out (see benchmarks/accuracy.py)
    words_language_weight: float = 4.0
    words_topn: int = 4
    #: script-free English words: the phone insertion probability (pocketsphinx ``pip``, 1 in
    #: pocketsphinx): above 1 the search favours words of more phones, such as the word with
    #: its consonants over a shorter one that skips them. Chosen among 1, 2, 3, 5 and 10 on
    #: eval-dev leaving one speaker out (by acc9 + acc3; 2 in every fold: held out acc9 0.795
    #: -> 0.797, acc3 0.873 -> 0.875, closure 0.924 -> 0.930), at the same speed (the word search
    #: alone: 2-5 % more CPU)
    words_phone_penalty: float = 2.0
    #: script-free English words are aligned with each n t d dh v also allowed to be its
    #: bilabial counterpart m p b, at this prior probability against the word as heard (0:
    #: aligned as heard): the language model picks words, the acoustics then say where the
    #: lips closed (:func:`lipsync.recognize.sphinx.align_with_closures`). Chosen on eval-dev
    #: leaving one speaker out (1e-4 in every fold: closure 0.905 -> 0.924, acc unchanged;
    #: 1e-2 adds more false closures). Matching script lines by sound aligns as heard
    words_closure_prior: float = 1e-4
    #: a stretch of speech in which the script-free English word search hears no word (only
    #: silence or fillers) and which holds less than this many seconds of voiced sound
    #: (:func:`lipsync.vad.voiced_seconds`) is left at rest: the speech detector took a click or
    #: a breath for speech. A voiced one (an "ah", a hum, a laugh) gets the phone loop's phones,
    #: as where the words heard cannot be aligned; 0 gives them to every such stretch. On
    #: eval-dev the word search heard nothing in 6 stretches of the clean, reverb, room noise,
    #: music and telephone copies, all before the first word where the hand labels have silence
    rest_unvoiced_seconds: float = 0.05

    # --- reverberant recordings (:mod:`lipsync.recognize.dereverb`) --------------------------
    #: a recording from whose short-time spectra the prediction of the late reverberation takes
    #: out more than this many dB (:func:`lipsync.recognize.dereverb.late_reverb_db`; eval-dev's
    #: clean recordings -0.02 to 0.05, in the benchmark's room 0.07 to 0.25) is dereverberated
    #: before recognition (0: never), unless noisy enough to be noise-reduced
    #: (``denoise_below_db``; :func:`lipsync.recognize.frontend.dereverberated`)
    dereverb_above_db: float = 0.06

    # --- noisy recordings (:mod:`lipsync.recognize.frontend`) ----------------------------------
    #: a recording whose speech stands less than this many dB over its noise floor
    #: (:func:`lipsync.vad.speech_to_noise_db`; about 50 for a studio take, 15-20 for speech
    #: 10 dB over room noise) is noisy: pauses shorter than ``noisy_min_pause`` do not end its
    #: stretches of speech (a word's soft ending, or a stop's closure, sinks under the noise and
    #: looks like a pause; in other recordings 0.25 s, :func:`lipsync.vad.speech_segments`)
    noisy_below_db: float = 30.0
    noisy_min_pause: float = 0.4
    #: below this many dB it is also noise-reduced before recognition (0: never), turning a
    #: frequency full of noise down by at most ``denoise_depth_db``
    denoise_below_db: float = 24.0
    denoise_depth_db: float = 15.0
    #: a background whose quietest frames' energies spread by at most this many dB
    #: (:func:`lipsync.vad.floor_spread_db`) is steady (room noise at 10 dB SNR on eval-dev:
    #: 0.5-1.6; music under the voice: 1.9-4.6). Over an unsteady one the noise is followed
    #: through time, at least ``noise_track_bias`` times each frequency's least power about
    #: each moment (:func:`lipsync.recognize.frontend.tracked_minima`; 0: never): with music at
    #: 10 dB SNR on eval-dev acc3 0.810 -> 0.839 with the script, the same value best in each
    #: half of the speakers, and 0.818 -> 0.834 under other music
    steady_floor_db: float = 1.75
    noise_track_bias: float = 8.0
    #: a script aligned to a recording whose speech stands less than ``widen_below_db`` over its
    #: noise floor: each phone after a pause starts ``noisy_onset_seconds`` earlier and each
    #: phone before a pause ends ``noisy_offset_seconds`` later (at most half the pause each;
    #: :func:`lipsync.recognize.edges.widen_into_pauses`): the start and the decay of the voice
    #: sink under the noise, and the aligner starts speech late and ends it early. Chosen on
    #: eval-dev with room noise at 10 dB SNR (speech 16-18 dB over the floor), the same values
    #: in each half of the speakers and with other noise (benchmarks/accuracy.py); 0 turns it
    #: off. Not without a script (there it gained nothing), nor over an unsteady background
    #: (``steady_floor_db``; with music widening lost 0.003 acc3)
    widen_below_db: float = 24.0
    noisy_onset_seconds: float = 0.02
    noisy_offset_seconds: float = 0.03
    #: over steady noise (below ``widen_below_db``), the phones are trimmed to stretches of
    #: speech whose ends reach this much further (never into the next stretch), and without a
    #: script the recognizer hears those stretches: the detector loses the speech's soft end
    #: under the noise (on eval-dev with room noise at 10 dB SNR, 38 ms before the hand labels'
    #: end, median, and a quarter more than 126 ms before), and the final phones there were cut
    #: short or dropped (the aligner's) or not heard at all (without a script). Chosen on
    #: eval-dev with room noise at 10 dB SNR: with the script any reach from 0.1 to 0.4 s gains
    #: on each half of the speakers (acc3 0.854 -> 0.859; other noise 0.853 -> 0.860); without,
    #: the reach chosen on either half gains 0.004 on the other (0.763 -> 0.768; other noise
    #: 0.764 -> 0.779). 0 turns it off
    noisy_end_reach_seconds: float = 0.15
    #: over steady noise with a script, a first consonant the trimming dropped (the detector
    #: heard it late or not at all: a soft f, h, th or a stop's burst under the noise) is given
    #: back where the aligner placed it, starting at most this long before the detector's onset
    #: (:func:`lipsync.recognize.edges.restore_cut_onsets`; elsewhere it starts at the onset, which
    #: over steady noise cost acc3); 0 drops it, as before. Chosen on eval-dev with room noise at
    #: 10 dB SNR among 0.03, 0.05, 0.1 and 0.2: one half of the speakers picks 0.03, the other
    #: 0.05, and either gains acc3 on the other half (+0.0011, +0.0020; docs/accuracy.md)
    noisy_onset_lead_seconds: float = 0.05
    #: over steady noise without a script, the last phone heard in each stretch of speech runs
    #: on to the stretch's end (the detector's, without ``noisy_end_reach_seconds``;
    #: :func:`lipsync.recognize.edges.run_on_to_speech_ends`): the word search hears the soft
    #: end of the last word before a pause as the pause, and the mouth rested while the voice
    #: went on. Nothing fitted; on eval-dev with room noise at 10 dB SNR acc3 0.7736 -> 0.7773
    #: (halves of the speakers +0.0027 and +0.0047; other noise +0.0027 and +0.0022, every half
    #: gaining), rest 0.949 -> 0.955 (docs/accuracy.md). False turns it off
    noisy_run_on: bool = True

    # --- matching script lines to the speech ------------------------------------------------
    #: seconds of speech per phone at an ordinary rate (only the ratios between lines matter)
    seconds_per_phone: float = 0.075
    #: a recording this short is aligned in one piece, whatever its pauses
    single_chunk_seconds: float = 30.0
    #: seconds of audio kept around each aligned group of lines
    pad: float = 0.15
    #: the most lines one group may hold, and the most stretches of speech it may span
    max_lines_per_group: int = 4
    max_stretches_per_group: int = 8
    #: matching by length: cost of a line left out or of speech not in the script, cost of each
    #: extra line or stretch joined into a group, spread of the log ratio of expected to spoken
    skip_cost: float = 4.0
    merge_cost: float = 0.6
    log_ratio_spread: float = 0.35
    #: matching by sound (repair): a stretch differing from every line by more than this share
    #: of its phones is unscripted; an unrecorded line costs as much as this many phones
    unscripted_share: float = 0.7
    unrecorded_line_cost: float = 2.0
    #: groups on each side of a failed one that are re-matched with it
    repair_context: int = 2
    #: matching by sound, and speech that is not in the script, hear English words with this
    #: language weight, Gaussians per codebook and phone insertion probability: the settings the
    #: script checks were calibrated with (benchmarks/trust.py; with the script-free ``words_*``
    #: values a wrong script passed)
    match_words_language_weight: float = 3.0
    match_words_topn: int = 2
    match_words_phone_penalty: float = 1.0
    #: timed scripts: a line's speech is looked for this far outside its subtitle times, and
    #: neighbours without a pause between them, or whose times overlap by more than the
    #: tolerance, are aligned together up to this long (beyond it, cut at the pause nearest
    #: their boundary)
    time_tolerance: float = 1.0
    max_timed_group_seconds: float = 30.0

    # --- what does not fit the script --------------------------------------------------------
    #: speech this long that aligned words cover less than ``min_coverage`` of is unscripted
    min_unscripted_seconds: float = 0.4
    min_coverage: float = 0.4
    #: speech inside an aligned line that its words leave out (an uncovered part of a stretch of
    #: speech, or what a word is held over beyond ``max_phone_seconds`` a phone, lasting
    #: ``min_unscripted_seconds``) is unscripted when script-free recognition hears at least
    #: ``min_unscripted_phones`` more phones there than the script's words have; not looked
    #: for in a noisy recording (speech under ``noisy_below_db`` over the background), where
    #: that recognition hears noise and music as phones
    max_phone_seconds: float = 0.2
    min_unscripted_phones: int = 3
    #: a word of a several-line group with less than this share in speech lies in a pause
    min_word_in_speech: float = 0.5
    #: English scripts with more than this share of words outside the dictionary are refused
    wrong_language_share: float = 0.6
    #: a script in another language with at least ``min_switched_words`` words, and this share of
    #: them, that espeak-ng pronounces in a third language (its French and German dictionaries
    #: mark English words) is refused unless its letters and commonest words name its language
    #: (French dialogue with English loanwords): no right script of benchmarks/trust.py has one
    #: such word, English sentences with ``-l fr-fr`` have 38-90 % of them, with ``-l de`` 0-43 %
    switched_language_share: float = 0.5
    min_switched_words: int = 2
    #: a script of which less than this share of the words aligns confidently does not belong
    #: to the recording (an error unless ``analyze --allow-mismatch``)
    mismatch_share: float = 1 / 3
    #: such a script is a warning instead (the matching lines aligned, the rest recognized)
    allow_mismatch: bool = False
    #: the script holds all the recording's dialogue: one whose aligned lines cover less than
    #: ``mismatch_share`` of the speech, leaving at least ``min_unmatched_speech`` seconds out,
    #: is for part of the recording only (a line or two of a longer take; an error unless
    #: ``allow_mismatch``). Off for one character's lines of a mixed stem (``--speaker``)
    whole_script: bool = True
    min_unmatched_speech: float = 2.0

    # --- confidence (:mod:`lipsync.recognize.confidence`) ---------------------------------------
    #: how far (log units per 10 ms frame) a line's aligned score may fall below the phone
    #: loop's for a confidence of 0.5 (less ``squeezed_weight`` times its squeezed share), and
    #: the spread of the logistic; calibrated with ``benchmarks/trust.py``
    confidence_gap: float = 46.5
    #: the gap for other languages' lines, which are rated on their fit alone: the English model
    #: fits their espeak-ng pronunciations less well (measured on the multilingual sentences of
    #: benchmarks/trust.py), and their phones, mapped onto its English ones, are often held for
    #: the aligner's minimum in right lines too (up to 0.57 of them in right Japanese,
    #: Portuguese, German and French takes of benchmarks/adapt.py), so the squeezed and
    #: stretched shares, fitted on English, would refuse right scripts there
    foreign_confidence_gap: float = 51.0
    confidence_scale: float = 4.0
    #: per-frame units a line's fit loses per unit of its squeezed share (the share of its phones
    #: held for the aligner's 30 ms minimum, :func:`~lipsync.recognize.confidence.squeezed_share`:
    #: at most 0.27 on eval-dev's right lines, 0.16-0.65 on wrong ones) and of its stretched share
    #: (phones of 250 ms or more, :func:`~lipsync.recognize.confidence.stretched_share`); fitted
    #: with the gap on benchmarks/trust.py's cases, one half against the other
    squeezed_weight: float = 40.0
    stretched_weight: float = 100.0
    #: a line of up to this many words is scored by its median word when that fits worse than
    #: the average (a couple of short words fitting any sound lift a short wrong line's average;
    #: on benchmarks/trust.py's lines, longer lines gain nothing from it)
    median_line_words: int = 8
    #: lines at least this confident are aligned; below ``found_at`` they are not found, in
    #: between uncertain
    aligned_at: float = 0.5
    found_at: float = 0.15
    #: an uncertain line is aligned when the script's other lines are this confident (their
    #: median) and its evidence is at most ``context_evidence`` per frame below theirs
    #: (:func:`~lipsync.recognize.confidence.statuses`; replaced lines of benchmarks/trust.py fall
    #: 29-60 below)
    context_confident: float = 0.8
    context_evidence: float = 15.0
    #: seconds of the recording's speech the phone-loop reference is measured on, in 1 s pieces
    #: spread over it (:func:`~lipsync.recognize.confidence.reference_stretches`); the loop costs
    #: about 0.03 CPU s per second. 3 keeps every case of benchmarks/trust.py that 6 (whole
    #: stretches) kept; from whole stretches, 3 or 4 s (on a short take, the first line's speech)
    #: lost a wrong-language case, and 2 or less moved the reference by 1-3 per frame on average
    reference_seconds: float = 3.0

    # --- phone boundaries ---------------------------------------------------------------------
    #: move each boundary between two phones by the aligner's learned bias for its kind
    #: (:mod:`lipsync.recognize.refine`)
    correct_bias: bool = True
    #: then move each boundary between two phones onto the signal: to the largest spectral
    #: change (:mod:`lipsync.recognize.spectral`) at most ``refine_reach_seconds`` away, comparing
    #: the ``refine_span_seconds`` before and after each point (log mel energies of frames of
    #: ``refine_window_seconds``), never leaving a phone shorter than ``refine_min_phone_seconds``;
    #: only the points within ``refine_free_seconds`` compete on their change alone, one farther
    #: away must show a larger change, by ``refine_pull`` times the largest change within reach
    #: per 10 ms beyond. Reach and pull chosen on eval-dev leave-one-speaker-out
    #: (benchmarks/boundary_bias.py). The minimum, 25 ms: the aligner gives every phone at least
    #: 30 ms, and a boundary that would squeeze its neighbour under 25 ms has mostly found the
    #: change at that phone's other edge (a short phone shows one at each); chosen among 15-40 ms
    #: on eval-dev by acc3 leaving one speaker out (25 ms in every fold, with and without the
    #: script; docs/accuracy.md)
    refine_on_signal: bool = True
    refine_reach_seconds: float = 0.025
    refine_free_seconds: float = 0.01
    refine_pull: float = 0.3
    refine_span_seconds: float = 0.02
    refine_window_seconds: float = 0.008
    refine_min_phone_seconds: float = 0.025
    #: an ``l`` after a vowel lasts at most this many times the vowel: the aligner gives a
    #: dark l the vowel's glide into it (:func:`lipsync.recognize.refine.balance_laterals`;
    #: 1, the vowel outlasting the l, a rule, nothing fitted; 0 turns it off)
    lateral_ratio: float = 1.0
    #: the phone before a pause ends where the sound of its last ``fade_look_seconds`` last
    #: comes within ``fade_drop_db`` of their loudest point (:mod:`lipsync.recognize.edges`),
    #: never shorter than ``fade_min_phone_seconds``; a stop before a pause lasts at least
    #: ``fade_stop_seconds`` (its silent closure and its release), and a final stop the trimming
    #: to the detector's stretches dropped is given back for as long (0 does neither)
    fade_ends: bool = True
    fade_drop_db: float = 15.0
    fade_look_seconds: float = 0.2
    fade_min_phone_seconds: float = 0.03
    fade_stop_seconds: float = 0.08
    #: phones shorter than this are dropped
    min_phone_seconds: float = 0.01
    #: padding of the speech stretches that phones are trimmed to
    trim_pad: float = 0.0
    #: a stretch's first phone starting at most this late is moved back to the stretch's onset
    onset_snap_seconds: float = 0.15
    #: with a script, a first consonant the trimming dropped (the aligner let it swallow the
    #: silence before the onset) is given back from the detector's onset for at least this long
    #: (:func:`lipsync.recognize.edges.restore_cut_onsets`): the aligner's shortest phone, three
    #: 10 ms states, not fitted; 0 turns it off
    onset_restore_seconds: float = 0.03
    #: a pause of at most this long before a stop or an affricate is its closure, and the stop
    #: starts there (:func:`lipsync.recognize.edges.close_before_stops`); 0 turns it off
    closure_gap_seconds: float = 0.15

    def __post_init__(self) -> None:
        if not isinstance(self.passes, int) or not 1 <= self.passes <= MAX_PASSES:
            raise OptionError(f"recognition setting passes must be 1 to {MAX_PASSES}, got {self.passes}",
                              "3 is steady; more adds little")
        for name in ("topn", "words_topn", "match_words_topn"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 1 <= value <= MAX_TOPN:
                raise OptionError(f"recognition setting {name} must be a whole number from 1 to {MAX_TOPN}, "
                                  f"got {value!r}", "the model's default is 4")
        for name in ("word_pass_downsampling", "state_pass_downsampling"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 1 <= value <= MAX_DOWNSAMPLING:
                raise OptionError(f"recognition setting {name} must be a whole number from 1 to {MAX_DOWNSAMPLING}, "
                                  f"got {value!r}", "1 scores every frame in full; 2 is faster")
        if not 0 <= self.words_closure_prior <= 1:
            raise OptionError(f"recognition setting words_closure_prior must be a probability from 0 to 1, "
                              f"got {self.words_closure_prior!r}", "0 aligns the words as heard")
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, (int, float)) and not value >= 0:
                raise OptionError(f"recognition setting {item.name} must be a number >= 0, got {value!r}")


DEFAULT_SETTINGS = RecognitionSettings()
