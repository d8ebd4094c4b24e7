"""`python -m faqbot` works like `faqbot`."""

from .cli import run

run()
