"""The center itself: first-run set-up, settings, reference data (villages, units, categories)
and the working-day calendar.
"""
