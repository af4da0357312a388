"""``python -m lipsync``: the command line."""

from .cli import main

main()
