"""Georgia's recount-request rules.

Source: O.C.G.A. § 21-2-495(c). As written (and as quoted in the 2017 Atlanta reporting), a losing
candidate may ask for a recount when the margin is not more than one percent of the total votes cast
for the office, in writing, within two business days following certification. 2019 Ga. Laws Act 24
(HB 316), signed 2 April 2019, lowered the margin to one-half of one percent; elections held from
that day on fall under the new rule.
"""

import datetime
from decimal import Decimal

from django.db import migrations

RULES = [
    {
        "name": "Georgia, O.C.G.A. § 21-2-495(c), 1 percent",
        "source": "O.C.G.A. § 21-2-495(c) before 2019 Ga. Laws Act 24 (HB 316): margin not more than "
        "one percent of the total votes cast for the office; request in writing within two business "
        "days following certification.",
        "effective_from": datetime.date(1964, 1, 1),
        "effective_to": datetime.date(2019, 4, 1),
        "threshold_percent": Decimal("1.000"),
    },
    {
        "name": "Georgia, O.C.G.A. § 21-2-495(c) as amended by HB 316 (2019), 0.5 percent",
        "source": "2019 Ga. Laws Act 24 (HB 316), signed 2 April 2019, amending O.C.G.A. § 21-2-495(c): "
        "margin not more than one-half of one percent of the total votes cast for the office.",
        "effective_from": datetime.date(2019, 4, 2),
        "effective_to": None,
        "threshold_percent": Decimal("0.500"),
    },
]


def load(apps, schema_editor):
    RecountRule = apps.get_model("recounts", "RecountRule")
    for rule in RULES:
        RecountRule.objects.update_or_create(
            name=rule["name"],
            defaults={
                **rule,
                "state": "GA",
                "business_days": 2,
                "cutoff_time": datetime.time(17, 0),
                "time_zone": "America/New_York",
            },
        )


def unload(apps, schema_editor):
    RecountRule = apps.get_model("recounts", "RecountRule")
    RecountRule.objects.filter(name__in=[rule["name"] for rule in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("recounts", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
