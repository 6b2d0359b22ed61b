"""One module per report kind; importing this package registers every builder."""

from madoguchi.reports.builders import (  # noqa: F401
    daily,
    frequent_questions,
    monthly,
    personal_data,
    service_level,
    weekly,
)
