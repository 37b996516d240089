#!/usr/bin/env python
"""Same as the `yuqing` console script, for those who expect manage.py."""
from config.cli import main

if __name__ == "__main__":
    main()
