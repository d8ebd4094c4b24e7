"""`python -m faqbot` works like `faqbot`."""

import sys

from .cli import main

sys.exit(main())
