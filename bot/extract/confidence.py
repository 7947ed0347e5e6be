"""How likely an attribution is right, from the evidence it rests on; and when to name nobody.

Every quotation and reported statement carries its evidence: where its speaker was found and how
it was named ("after:name" for `“…,” Mr. Smith said`, "before:pronoun" for `He said: “…”`,
"running:paragraph" for a quotation that runs on from the one before, "reported:after:name" for
`Haines said Mr. Putin could …`). The share of attributions with that evidence whose speaker (or
whose absence of one) is right was measured on the tuning part of the PolNeAR corpus, judged as
`benchmarks/quotes_eval.py` judges, by `benchmarks/calibrate.py`, which writes the table below;
those shares are the confidences, so that of the attributions with confidence >= c about c are
right (the reliability table in the README checks it on the held-out part).

A named speaker whose evidence is right less often than MIN_NAMED is not given: the attribution
keeps its text and says `speaker: null`, because an unattributed quotation is harmless and a
misattributed one is not. Its confidence is then that of "nobody named" for that evidence.
"""
from __future__ import annotations

MIN_NAMED = 0.75  # below this share of right named speakers, an evidence names nobody
_DEFAULT = (0.5, 0.5)  # evidence never seen in the tuning part
_SMALL = 20  # fewer judged attributions than this: the evidence's broader class decides

# BEGIN CALIBRATION (written by benchmarks/calibrate.py from the tuning part; do not edit by hand)
# evidence: (share right when a person is named, share right when nobody is, named judged, null judged)
TABLE: dict[str, tuple[float, float, int, int]] = {
    'after': (0.977, 0.795, 1752, 149),
    'after:description': (0.333, 0.817, 4, 140),
    'after:group': (0.500, 0.500, 0, 4),
    'after:name': (0.984, 0.333, 1667, 4),
    'after:pronoun': (0.843, 0.667, 68, 1),
    'after:subject': (0.867, 0.500, 13, 0),
    'before': (0.946, 0.730, 1142, 209),
    'before:description': (0.571, 0.778, 5, 178),
    'before:group': (0.500, 0.500, 0, 2),
    'before:name': (0.959, 0.375, 952, 22),
    'before:passive': (0.500, 0.750, 0, 6),
    'before:pronoun': (0.833, 0.333, 64, 1),
    'before:subject': (0.902, 0.500, 121, 0),
    'colon': (0.853, 0.667, 32, 1),
    'colon:group': (0.500, 0.667, 0, 1),
    'colon:pronoun': (0.750, 0.500, 2, 0),
    'colon:subject': (0.844, 0.500, 30, 0),
    'reported': (0.902, 0.827, 1815, 1092),
    'reported:according': (0.824, 0.935, 66, 212),
    'reported:after': (0.923, 0.792, 1498, 790),
    'reported:after:description': (0.482, 0.832, 4, 719),
    'reported:after:group': (0.500, 0.250, 0, 2),
    'reported:after:name': (0.939, 0.382, 1302, 66),
    'reported:after:passive': (0.500, 0.600, 0, 3),
    'reported:after:pronoun': (0.830, 0.500, 47, 0),
    'reported:after:subject': (0.815, 0.500, 144, 0),
    'reported:before': (0.733, 0.800, 89, 48),
    'reported:before:description': (0.500, 0.841, 0, 42),
    'reported:before:name': (0.753, 0.500, 83, 6),
    'reported:before:pronoun': (0.621, 0.500, 4, 0),
    'reported:before:subject': (0.250, 0.500, 2, 0),
    'reported:inverted': (0.884, 0.889, 67, 7),
    'reported:mid': (0.767, 0.919, 95, 35),
    'reported:mid:description': (0.500, 0.939, 0, 31),
    'reported:mid:name': (0.823, 0.750, 77, 2),
    'reported:mid:passive': (0.500, 0.667, 0, 1),
    'reported:mid:pronoun': (0.644, 0.333, 14, 1),
    'reported:mid:subject': (0.167, 0.500, 4, 0),
    'running': (0.936, 0.566, 910, 196),
    'running:introduced': (0.727, 0.444, 9, 7),
    'running:paragraph': (0.968, 0.602, 803, 96),
    'running:previous': (0.869, 0.625, 59, 6),
    'running:sentence': (0.571, 0.642, 12, 65),
    'running:subject': (0.345, 0.208, 27, 22),
    'subject': (0.703, 0.333, 89, 100),
    'subject:before': (0.703, 0.333, 89, 100),
}
# END CALIBRATION

CALIBRATING = False  # benchmarks/calibrate.py: keep every speaker, so that all evidence is measured


def assess(evidence: str, named: bool) -> tuple[bool, float | None]:
    """(whether a named speaker is kept, the confidence of the attribution as given)."""
    if CALIBRATING:
        return True, None
    named_share, null_share = _shares(evidence)
    if named:
        if named_share < MIN_NAMED:
            return False, round(null_share, 2)
        return True, round(named_share, 2)
    return False, round(null_share, 2)


def _shares(evidence: str) -> tuple[float, float]:
    """The measured shares of an evidence, backing off to its broader class ("after:name" ->
    "after") when it was seen too rarely to be measured alone."""
    shares = _SHARES.get(evidence)
    if shares is None:
        shares = _SHARES[evidence] = _measured_shares(evidence)
    return shares


_SHARES: dict[str, tuple[float, float]] = {}  # evidence -> shares, worked out once (a few dozen kinds)


def _measured_shares(evidence: str) -> tuple[float, float]:
    key = evidence
    named = null = None
    while key:
        row = TABLE.get(key)
        if row is not None:
            if named is None and row[2] >= _SMALL:
                named = row[0]
            if null is None and row[3] >= _SMALL:
                null = row[1]
            if named is not None and null is not None:
                break
        key = key.rpartition(":")[0]
    return (named if named is not None else _DEFAULT[0], null if null is not None else _DEFAULT[1])
