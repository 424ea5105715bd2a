"""``python -m lakehose`` is the ``lakehose`` command."""

from lakehose.cli.main import main

if __name__ == "__main__":
    main()
