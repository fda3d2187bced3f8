"""Half-term periods: parse every accepted label, order them, write them as "2024/25 Spring 2".

A period is stored as its canonical label. Its *index* is a whole number that orders periods
and measures the distance between them in half terms: start_year * 6 + half_term (0..5).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

HALF_TERMS = ["Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2"]

# A termly label means the end of that term: "Autumn" is Autumn 2.
_SEASON_END = {"autumn": 1, "spring": 3, "summer": 5}
_SEASON_START = {"autumn": 0, "spring": 2, "summer": 4}
_SEASON_WORDS = {
    "autumn": "autumn", "aut": "autumn", "au": "autumn",
    "spring": "spring", "spr": "spring", "sp": "spring",
    "summer": "summer", "sum": "summer", "su": "summer",
}


class PeriodError(ValueError):
    """A label that is not one of the accepted period forms."""


def _academic_year(text: str) -> int | None:
    """'2024/25', '2024-25', '2024/2025', '24/25' -> 2024 (the year the academic year starts)."""
    m = re.fullmatch(r"(\d{2}|\d{4})\s*[/\-–]\s*(\d{2}|\d{4})", text)
    if not m:
        return None
    first, second = m.group(1), m.group(2)
    start = int(first) if len(first) == 4 else 2000 + int(first)
    end = int(second) if len(second) == 4 else (start // 100) * 100 + int(second)
    if end < start:  # e.g. 1999/00
        end += 100
    return start if end == start + 1 else None


def _term_part(text: str) -> tuple[int, bool] | None:
    """'Autumn 1', 'Aut1', 'Spring', 'T2', 'HT3' -> (half-term 0..5, is_season_word)."""
    lowered = text.strip().lower()
    t = lowered.replace("term", "").replace("half", "").strip()
    # 'T2', 'HT3', and 'Term 2' written out: the six terms numbered 1..6.
    m = re.fullmatch(r"(?:t|ht)\s*([1-6])", t) or (
        re.fullmatch(r"([1-6])", t) if "term" in lowered else None)
    if m:
        return int(m.group(1)) - 1, False
    m = re.fullmatch(r"([a-z]+)\s*\.?\s*([12])?", t)
    if not m or m.group(1) not in _SEASON_WORDS:
        return None
    season = _SEASON_WORDS[m.group(1)]
    if m.group(2):
        return _SEASON_START[season] + int(m.group(2)) - 1, True
    return _SEASON_END[season], True


def parse_period(label: object) -> str:
    """Any accepted period label -> canonical '2024/25 Spring 2'; raises PeriodError otherwise."""
    return format_period(period_index(label))


def period_index(label: object) -> int:
    """Any accepted period label -> its ordering index (start_year * 6 + half term)."""
    try:
        missing = label is None or bool(label != label)  # None, NaN
    except TypeError:  # pd.NA refuses to be a bool: it is missing too
        missing = True
    if missing:
        raise PeriodError("a period is missing")
    return _index_of_text(str(label))


# A store holds a few dozen distinct labels, parsed hundreds of thousands of times by the
# packs' per-row loops (the board pack at 500 schools: 438k parses); an error is not cached.
@lru_cache(maxsize=4096)
def _index_of_text(label: str) -> int:
    text = re.sub(r"\s+", " ", label.strip())
    if not text:
        raise PeriodError("a period is missing")
    tokens = re.split(r"[ ,]+", text)
    # Try every split of the tokens into (year, term) or (term, year).
    for cut in range(1, len(tokens)):
        left, right = " ".join(tokens[:cut]), " ".join(tokens[cut:])
        for year_text, term_text in ((left, right), (right, left)):
            term = _term_part(term_text)
            if term is None:
                continue
            half, _ = term
            year = _academic_year(year_text)
            if year is not None:
                return year * 6 + half
            # A calendar year: Autumn 2024 is 2024/25; Spring and Summer 2025 are 2024/25.
            if re.fullmatch(r"\d{4}", year_text):
                calendar = int(year_text)
                start = calendar if half <= 1 else calendar - 1
                return start * 6 + half
    # "Aut1 2024/25" written without a space between term and number, e.g. "Aut1"
    m = re.fullmatch(r"([A-Za-z]+)([12])\s+(.+)", text) or None
    if m:
        return period_index(f"{m.group(1)} {m.group(2)} {m.group(3)}")
    _refuse_a_date(text)
    raise PeriodError(
        f"'{label}' is not a period we recognise; write it like '2024/25 Spring 2' "
        "(or 'Spring 2 2024/25', '2024/25 T4', 'Spring 2025')"
    )


def _refuse_a_date(text: str) -> None:
    """A date where a period belongs (an Excel date cell arrives as '2025-06-01 00:00:00'):
    said as the person sees it in Excel, with the half term it falls in as the way to write it.
    Not read as that half term: figures dated in June may be the summer's or the spring's."""
    m = (re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?: 00:00:00)?", text)
         or re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text))
    if not m:
        return
    parts = [int(g) for g in m.groups()]
    year, month, day = parts if len(m.group(1)) == 4 else parts[::-1]
    try:
        when = date(year, month, day)
    except ValueError:
        return
    raise PeriodError(f"{when:%d/%m/%Y} is a date, not a period; write the half term the "
                      f"figures are for, like '{period_of_date(when)}'")


def period_indexes(labels):
    """A Series of period labels -> their ordering indexes (a Series, same index), each distinct
    label parsed once: a 1M-row column holds a dozen periods (per row, the report took 4 s)."""
    return labels.map({label: period_index(label) for label in labels.unique()})


def format_period(index: int) -> str:
    """Ordering index -> '2024/25 Spring 2'."""
    year, half = divmod(int(index), 6)
    return f"{year}/{(year + 1) % 100:02d} {HALF_TERMS[half]}"


def academic_year(label: str) -> str:
    """'2024/25 Spring 2' -> '2024/25'."""
    return format_period(period_index(label)).split(" ")[0]


def try_parse_period(label: object) -> str | None:
    """Like parse_period, but None instead of an error."""
    try:
        return parse_period(label)
    except PeriodError:
        return None


def period_range(first: str, last: str) -> list[str]:
    """Every half term from first to last inclusive, in order."""
    return [format_period(i) for i in range(period_index(first), period_index(last) + 1)]


def period_of_date(day) -> str:
    """A calendar date -> the half term it falls in (approximate English school calendar).

    Autumn 1 Sep-Oct, Autumn 2 Nov-Dec, Spring 1 Jan-mid Feb, Spring 2 mid Feb-Mar,
    Summer 1 Apr-May, Summer 2 Jun-Aug.
    """
    month, dom, year = day.month, day.day, day.year
    start = year if month >= 9 else year - 1
    if month in (9, 10):
        half = 0
    elif month in (11, 12):
        half = 1
    elif month == 1 or (month == 2 and dom < 16):
        half = 2
    elif month in (2, 3):
        half = 3
    elif month in (4, 5):
        half = 4
    else:
        half = 5
    return format_period(start * 6 + half)


def period_end_date(label: str):
    """The last day of a half term (approximate), for drawing periods on a date axis."""
    import datetime as dt

    index = period_index(label)
    year, half = divmod(index, 6)
    ends = [(year, 10, 31), (year, 12, 20), (year + 1, 2, 15), (year + 1, 3, 31),
            (year + 1, 5, 31), (year + 1, 7, 22)]
    return dt.date(*ends[half])


def period_start_date(label: str):
    """The first day of a half term (approximate)."""
    import datetime as dt

    index = period_index(label)
    year, half = divmod(index, 6)
    starts = [(year, 9, 1), (year, 11, 1), (year + 1, 1, 1), (year + 1, 2, 16),
              (year + 1, 4, 1), (year + 1, 6, 1)]
    return dt.date(*starts[half])


_SEASON_ALONE = re.compile(r"\b(autumn|aut|au|spring|spr|sp|summer|sum|su)\b(?!\s*\.?\s*[12]\b)",
                           re.IGNORECASE)
_ACADEMIC = re.compile(r"\d{2,4}\s*[/\-–]\s*\d{2,4}")
_TERM_NUMBER = re.compile(r"\b(?:t|ht|term)\s*[1-6]\b", re.IGNORECASE)


def reading_rule(label: object) -> str | None:
    """How a label was read when a rule (not the label itself) decided the half term or the year:
    '2024/25 Autumn' -> 'read as 2024/25 Autumn 2 (Autumn alone means its second half term,
    Autumn 2)'; None for a label that names its half term and academic year, or for one that is
    not a period at all (that is a problem, reported elsewhere)."""
    canonical = try_parse_period(label)
    if canonical is None:
        return None
    text = re.sub(r"\s+", " ", str(label).strip())
    year, half = canonical.split(" ", 1)
    season = half.split(" ")[0]
    reasons = []
    if _TERM_NUMBER.search(text):
        reasons.append(f"the six terms are numbered 1 to 6, so this is {half}")
    elif _SEASON_ALONE.search(text):
        reasons.append(f"{season} alone means its second half term, {half}")
    calendar = re.search(r"\b(\d{4})\b", text)
    if not _ACADEMIC.search(text) and calendar:
        reasons.append(f"{calendar.group(1)} is a calendar year, so {season} "
                       f"{calendar.group(1)} falls in the {year} academic year")
    if not reasons:
        return None
    return f"read as {canonical} ({'; '.join(reasons)})"
