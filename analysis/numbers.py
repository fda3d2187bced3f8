"""Numbers written as text: a UK file's decimal point, thousands commas and pound signs.

`read_numbers(texts)` reads each distinct cell text once and returns the number, or a sentence
saying why the separators are wrong. A UK file writes `9.5`, `1,200` and `£24,000.50`; a decimal
comma (`9,5`), a full stop grouping thousands (`1.200,50`, `1.200.000`) or commas in other places
are refused, never read as something else: stripping every comma turned `9,5` attendance into 95
and `10,5` days into 105, and `1.200,50` pounds into £1.20.

Why refuse even `9,5`, whose meaning is plain? A file with one decimal comma came from a machine
set to a continental locale, and in the same file `1.200` (one thousand two hundred there) reads
as 1.2 here with nothing to show it. The person who exported it is the only one who can say, so
the upload names the cell and the fix, and nothing is stored until it is corrected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Thousands in the UK form: 1,200 / 12,000,000.50 (groups of three after the first).
_UK_THOUSANDS = r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"
# A decimal comma: 9,5 / 10,5 / -0,25 / 1,2345 (one comma, not followed by exactly 3 digits).
_DECIMAL_COMMA = r"[-+]?\d+,(?:\d{1,2}|\d{4,})"
# Continental thousands and decimals: 1.200,50 / 1.200.000,00
_CONTINENTAL = r"[-+]?\d{1,3}(?:\.\d{3})+,\d+"
# Full stops grouping thousands: 1.200.000 (two or more groups, so never a decimal).
_DOT_GROUPS = r"[-+]?\d{1,3}(?:\.\d{3}){2,}"
# Pounds with three figures after the point, which money never has: £1.200, 24.000
_MONEY_DOT_THOUSANDS = r"[-+]?\d{1,3}\.\d{3}"


def read_numbers(texts: pd.Series, percent: bool = False, money: bool = False
                 ) -> tuple[pd.Series, pd.Series]:
    """Trimmed cell texts (NaN = blank) -> (float64 values, object sentences).

    A value is NaN where the text is not a number; its sentence (else None) says what is wrong
    with its separators, quoting the text, for the caller to put after the column's name.
    `percent`: a trailing % is allowed. `money`: a pound sign is allowed and three figures after
    a full stop are refused as a thousands separator."""
    out = pd.to_numeric(texts, errors="coerce").astype("float64")
    why = pd.Series([None] * len(texts), index=texts.index, dtype=object)
    retry = (texts.notna() & out.isna()).to_numpy()
    if money:
        # to_numeric has read '1.200' as 1.2: look at every text that has a full stop.
        dotted = texts.notna().to_numpy() & texts.str.contains(".", regex=False).fillna(
            False).to_numpy(dtype=bool)
        retry = retry | dotted
    if not retry.any():
        return out.where(np.isfinite(out)), why
    # Only the few texts with commas, pound signs, spaces or percent signs get here.
    raw = texts[retry]
    text = raw.str.replace(r"[£\s]", "", regex=True)
    if percent:
        text = text.str.removesuffix("%")
    thousands = text.str.fullmatch(_UK_THOUSANDS).fillna(False)
    # Commas come out only of the UK thousands form; any other comma leaves the text unreadable.
    cleaned = text.where(~thousands, text.str.replace(",", "", regex=False))
    value = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    sentence = pd.Series([None] * len(text), index=text.index, dtype=object)

    def refuse(mask: pd.Series, words: pd.Series | str) -> None:
        mask = mask.fillna(False).astype(bool) & sentence.isna()
        if mask.any():
            quoted = "'" + raw[mask] + "' "
            sentence[mask] = quoted + (words[mask] if isinstance(words, pd.Series) else words)

    continental = text.str.fullmatch(_CONTINENTAL)
    as_uk = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    refuse(continental, "uses a full stop for thousands and a comma for decimals; a UK file "
           "writes " + as_uk + " (fix the cell, or export with a full stop as the decimal "
           "separator)")
    decimal_comma = text.str.fullmatch(_DECIMAL_COMMA)
    refuse(decimal_comma, "has a decimal comma; a UK file writes " + as_uk + " with a full stop "
           "(fix the cell, or export with a full stop as the decimal separator)")
    dot_groups = text.str.fullmatch(_DOT_GROUPS)
    refuse(dot_groups, "uses full stops to group thousands; write it as "
           + text.str.replace(".", "", regex=False) + " or with commas (1,200)")
    if money:
        money_dots = text.str.fullmatch(_MONEY_DOT_THOUSANDS)
        refuse(money_dots, "has three figures after the full stop, which pounds and pence never "
               "have; if it means " + text.str.replace(".", "", regex=False) + " pounds, write "
               "it without the full stop (commas are fine: 1,200)")
    refuse(text.str.contains(",", regex=False) & ~thousands,
           "has commas where a number cannot have them; write thousands as 1,200 and decimals "
           "with a full stop (9.5)")
    value = value.where(sentence.isna())
    out[retry] = value.to_numpy()
    why[retry] = sentence.to_numpy()
    return out.where(np.isfinite(out)), why
