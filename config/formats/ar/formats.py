"""Arabic formats for a Saudi sales firm.

Django's Arabic locale writes 1234.5 as "1234,5" (comma decimal, no grouping). Saudi invoices
and the riyal amounts staff type use Western digits with a decimal point and comma thousands
(ZATCA's own samples do), so amounts read the same in both languages and the forms' decimal
inputs parse what the number fields send. Dates keep Django's Arabic formats.
"""

from django.conf.locale.ar.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
