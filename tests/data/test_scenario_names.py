"""The scenario names the CLI lists without the split code are exactly the registered split rules."""

from __future__ import annotations

from talosbench.data.scenario_names import SCENARIO_HELP
from talosbench.data.scenarios import SCENARIOS


def test_every_declared_scenario_has_one_split_rule_in_the_same_order() -> None:
    assert SCENARIOS.names() == list(SCENARIO_HELP)
    assert all(SCENARIOS.get(name).help == help for name, help in SCENARIO_HELP.items())
