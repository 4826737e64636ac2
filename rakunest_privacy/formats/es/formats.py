# Spanish: Django's own date ("3 de diciembre de 2026"); date and time with the zone, as in English.
DATE_FORMAT = r"j \d\e F \d\e Y"
DATETIME_FORMAT = r"j \d\e F \d\e Y, H:i T"
