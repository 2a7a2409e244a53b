"""Month and weekday names in each language Engage writes to people (English and Welsh).

One list, used by the survey pages (api.follow_up.page_words) and the survey e-mails
(activities.survey_rendering), so a page and the e-mail it follows never name a date differently.
"""

from __future__ import annotations

MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "cy": (
        "Ionawr",
        "Chwefror",
        "Mawrth",
        "Ebrill",
        "Mai",
        "Mehefin",
        "Gorffennaf",
        "Awst",
        "Medi",
        "Hydref",
        "Tachwedd",
        "Rhagfyr",
    ),
}

#: Monday first, as `datetime.weekday()` counts. English dates are formatted by strftime.
WEEKDAYS: dict[str, tuple[str, ...]] = {
    "cy": ("Dydd Llun", "Dydd Mawrth", "Dydd Mercher", "Dydd Iau", "Dydd Gwener", "Dydd Sadwrn", "Dydd Sul"),
}
