"""Request references: unguessable, readable, uniformly drawn."""

import re
from collections import Counter

from requests_app.models import REFERENCE_ALPHABET, new_reference


def test_a_reference_reads_rn_and_three_groups_of_four_unambiguous_characters():
    for _ in range(200):
        assert re.fullmatch(
            rf"RN-[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}",
            new_reference(),
        )


def test_every_position_draws_from_the_whole_alphabet_evenly():
    draws = [new_reference()[3:].replace("-", "") for _ in range(6200)]
    assert len(set(draws)) == len(draws)
    for position in range(12):
        counts = Counter(d[position] for d in draws)
        assert set(counts) == set(REFERENCE_ALPHABET), position
        # 200 expected per character; a biased digit (e.g. a modulo bias) would push some far off.
        assert max(counts.values()) < 290 and min(counts.values()) > 120, (position, counts.most_common(2))
