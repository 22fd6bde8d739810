from django.conf.locale.en import formats as django_formats

from core.formats import ISO_DATE, ISO_DATETIME, ISO_TIME, iso_first

DATE_INPUT_FORMATS = iso_first(ISO_DATE, django_formats.DATE_INPUT_FORMATS)
DATETIME_INPUT_FORMATS = iso_first(ISO_DATETIME, django_formats.DATETIME_INPUT_FORMATS)
TIME_INPUT_FORMATS = iso_first(ISO_TIME, django_formats.TIME_INPUT_FORMATS)

# The bank's English screens keep the unambiguous ISO date, never the American 12/02/2026, and times on
# the 24-hour clock as in Chinese.
MONTH_DAY_FORMAT = "j M"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
