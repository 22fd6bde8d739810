from django.conf.locale.zh_Hans import formats as django_formats

from core.formats import ISO_DATE, ISO_DATETIME, ISO_TIME, iso_first

# ISO first (what the browser's date inputs accept), then what a Chinese reader may type.
DATE_INPUT_FORMATS = iso_first(ISO_DATE, django_formats.DATE_INPUT_FORMATS)
DATETIME_INPUT_FORMATS = iso_first(ISO_DATETIME, django_formats.DATETIME_INPUT_FORMATS)
TIME_INPUT_FORMATS = iso_first(ISO_TIME, django_formats.TIME_INPUT_FORMATS)

MONTH_DAY_FORMAT = "n月j日"  # 1月2日, where Django writes 01月2日
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
TIME_FORMAT = "H:i"
