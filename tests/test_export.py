"""The one CSV writer: formulas neutralised, numbers kept, rows never split, file headers kept."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from leadscore.data.export import for_download, neutralise_formulas, to_safe_csv


def test_text_cells_that_are_plain_numbers_stay_numbers_and_formulas_do_not_run() -> None:
    frame = pd.DataFrame({"delta": pd.array(["-5", "+3.5", "-5+3", "=1+1", "@x", "\tx"], dtype="string")})
    back = pd.read_csv(io.BytesIO(to_safe_csv(frame)), encoding="utf-8-sig", dtype=str)
    assert back["delta"].tolist() == ["-5", "+3.5", "'-5+3", "'=1+1", "'@x", "'\tx"]


def test_probabilities_have_four_decimals_and_the_file_ends_with_a_line_break() -> None:
    frame = pd.DataFrame({"p_high": [0.9999883383302326, 4.7e-16], "confidence": [0.5, 1.0],
                          "note": ["a\rb", "c"]})
    raw = to_safe_csv(frame, rounded=("p_high", "confidence"))
    assert raw.endswith(b"\r\n")
    assert b"0.99999" not in raw and b"e-16" not in raw
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str)
    assert back.to_dict("list") == {"p_high": ["1.0000", "0.0000"], "confidence": ["0.5000", "1.0000"],
                                    "note": ["a\rb", "c"]}


def test_download_keeps_the_crm_headers_and_puts_the_lead_first() -> None:
    scored = pd.DataFrame({"row": [1], "Owner": ["Al"], "Annual Income": ["95000"], "Lead ID": ["L-1"],
                           "age": ["41"], "tier": ["High"], "p_low": [0.1], "p_medium": [0.2], "p_high": [0.7],
                           "confidence": [0.7]})
    out = for_download(scored, ("tier", "confidence", "p_high", "p_medium", "p_low"), id_column="lead_id")
    assert list(out.columns) == ["row", "Lead ID", "tier", "confidence", "p_high", "p_medium", "p_low", "Owner",
                                 "Annual Income", "age"]
    crm = pd.DataFrame({"Ref": ["7"], "age": ["39"], "tier": ["Low"], "score": [12], "p_convert": [0.12],
                        "reason_1": ["Age 39 (lowers)"]})
    order = ("tier", "score", "p_convert", "reason_1")
    assert list(for_download(crm, order, id_column="Ref").columns) == ["Ref", "tier", "score", "p_convert", "reason_1",
                                                                       "age"]


def test_rows_are_written_exactly_as_the_csv_module_writes_them() -> None:
    """Text and whole numbers go through a faster writer; the bytes must be csv's (pandas' ``to_csv``)."""
    frames = [
        pd.DataFrame({"Name 名前": pd.array(["x", None, 'he said "hi"', "a,b", "two\nlines", "cr\ronly", "", " sp "],
                                          dtype="string"),
                      "n": np.arange(8), "note": ["=1+1", "-5", "+x", "@me", "\tt", "Zoë; ü", None, np.nan],
                      "p_high": [0.5, 0.25, 0.125, 1.0, 0.0, 0.3333, 0.99995, np.nan]}),
        pd.DataFrame({"a": ["x", "y"], "mixed": [1, "z"], "flag": [True, False], "f": [1.5, np.nan],
                      "raw": [b"bytes", None]}),
        pd.DataFrame({"only": ["", "x"]}),
        pd.DataFrame({"a": pd.array([], dtype="string"), "b": pd.array([], dtype="string")}),
    ]
    for frame in frames:
        for header in (True, False):
            rounded = ("p_high",) if "p_high" in frame else ()
            expected = neutralise_formulas(frame)
            if rounded:
                expected["p_high"] = [None if v != v else f"{v:.4f}" for v in frame["p_high"]]
            text = expected.to_csv(index=False, header=header, lineterminator="\r\n")
            assert to_safe_csv(frame, header=header, rounded=rounded) == text.encode(
                "utf-8-sig" if header else "utf-8")
