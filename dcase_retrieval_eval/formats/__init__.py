"""Files -> models: ground truths, submissions, DCASE team packages and their meta YAML.

Each reader turns a file into a typed model plus findings about the file itself; nothing here
compares a submission with a ground truth (that is `check/`).
May import: the shared vocabulary and `io/`. Never rich or click.
"""
