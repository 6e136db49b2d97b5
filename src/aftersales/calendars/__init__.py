"""The business calendar shared by SLA clocks, ETAs and the health index: time zone, hours, holidays, promos.

`china.toml` is the default locale; a data source of the health index may name another (`brazil`,
`united_states`, or its own file) in its mapping, since its timestamps were made under that locale's clock.
"""

from aftersales.calendars.business import (
    BusinessCalendar,
    PromoWindow,
    calendar_from_dict,
    load_calendar,
    resolve_calendar_file,
)

__all__ = ["BusinessCalendar", "PromoWindow", "calendar_from_dict", "load_calendar", "resolve_calendar_file"]
