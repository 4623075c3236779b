"""The progress bar's words while a CRM model trains: plain steps ("Trying model 1 of 2"), no analysts' terms."""

from __future__ import annotations

from leadscore.data.csvio import read_table
from leadscore.modeling.won_lost.train import train_outcome
from tests.app.helpers import JARGON
from tests.conftest import BANK_SAMPLE, SMALL_CANDIDATES


def test_progress_says_which_model_is_tried_in_plain_words() -> None:
    messages: list[str] = []
    frame = read_table(BANK_SAMPLE).head(1500)
    train_outcome(frame, "y", exclude=["duration"], candidates=SMALL_CANDIDATES * 2,
                  progress=lambda message, fraction: messages.append(message))
    assert "Trying model 1 of 2 (check 1 of 3)" in messages and "Trying model 2 of 2 (check 3 of 3)" in messages
    assert [m for m in messages if JARGON.search(m) or "small-native" in m] == []
