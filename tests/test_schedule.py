"""The digest moment and catch-up, decided from the clock alone."""

from datetime import UTC, datetime

import pytest

from aggregator.config import settings_from_dict
from aggregator.errors import ConfigError
from aggregator.schedule import due_digest_week, last_occurrence, parse_weekly


def test_the_week_due_is_the_one_before_the_latest_scheduled_moment():
    monday_8 = parse_weekly("mon 08:00")
    zone = "Europe/Copenhagen"  # 08:00 local is 07:00 UTC in November
    before = datetime(2026, 11, 23, 6, 59, tzinfo=UTC)
    after = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert due_digest_week(before, monday_8, zone) == "2026-W46"  # the Monday 16th digest
    assert due_digest_week(after, monday_8, zone) == "2026-W47"
    assert last_occurrence(after, monday_8, zone).isoformat() == "2026-11-23T08:00:00+01:00"
    # ten days of downtime: at start-up one digest is due, the latest, not two
    assert due_digest_week(datetime(2026, 12, 3, tzinfo=UTC), monday_8, zone) == "2026-W48"


@pytest.mark.parametrize("spec", ["monday 8:00", "sun 23:59", " Fri 00:00 "])
def test_good_specs_parse(spec):
    parse_weekly(spec)


@pytest.mark.parametrize("spec", ["8:00", "mon", "xyz 08:00", "mon 24:00", "mon 08:60"])
def test_bad_specs_are_a_config_error_naming_the_key(spec, tmp_path):
    with pytest.raises(ConfigError, match="recap"):
        settings_from_dict({"schedule": {"recap": spec}}, base_dir=tmp_path)
