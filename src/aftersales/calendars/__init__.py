"""The business calendar shared by SLA clocks, ETAs and the health index: time zone, hours, holidays, promos."""

from aftersales.calendars.business import BusinessCalendar, PromoWindow, load_calendar

__all__ = ["BusinessCalendar", "PromoWindow", "load_calendar"]
