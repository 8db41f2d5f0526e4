"""Running the scorer on a hosting platform (Codabench): its folder layout and output files.

May import: everything below it, including `report/`.
"""
