"""Many systems at once: collecting team packages, ranking, the leaderboard model and paired
significance tests.

May import: everything below it (`io`, `formats`, `check`, `measure`). Never rich or click:
progress is reported through a callback the caller supplies.
"""
