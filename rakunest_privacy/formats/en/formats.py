# English dates as the portal has always written them ("December 3, 2026"), so that templates can say
# date:"DATE_FORMAT" and read right in every language (Django's own en default is "Dec. 3, 2026").
DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, g:i A T"
