"""bench.fault_figures: FAULT_FIGURE lines from the fault suite become
entries of bench/results.json."""

from __future__ import annotations

from bench.fault_figures import parse


def test_last_value_of_each_name_wins_and_other_lines_are_ignored() -> None:
    text = "\n".join(
        [
            'FAULT_FIGURE {"name": "churn_success_n200", "value": 0.99, "unit": "ratio"}',
            "some pytest output",
            'FAULT_FIGURE {"name": "churn_success_n200", "value": 1.0, "unit": "ratio"}',
            'FAULT_FIGURE {"name": "p99_ms", "value": 12.5, "unit": "ms", "floor": 10}',
            "FAULT_FIGURE {not json",
            'FAULT_FIGURE {"name": "bad", "value": "nan", "unit": "ms"}',
            'FAULT_FIGURE {"name": "flag", "value": true, "unit": ""}',
        ]
    )
    found = parse(text)
    assert set(found) == {"churn_success_n200", "p99_ms"}
    assert found["churn_success_n200"]["value"] == 1.0
    assert found["p99_ms"]["floor"] == 10
