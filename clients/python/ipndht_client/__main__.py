"""``python -m ipndht_client``: the ``ipndht`` command line."""

from ipndht_client.cli import main

if __name__ == "__main__":
    main()
