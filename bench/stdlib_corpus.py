"""The text the benchmark models' tokenizers are trained on: Python's standard library, code
written by many hands (the shaped models' tokenizers then cut code about as real ones do)."""
import glob
import os
import sysconfig


def stdlib_sources():
    stdlib = sysconfig.get_paths()['stdlib']
    for file in sorted(glob.glob(os.path.join(stdlib, '**', '*.py'), recursive=True)):
        try:
            with open(file, encoding='utf-8') as f:
                yield f.read()
        except (UnicodeDecodeError, OSError):
            continue
