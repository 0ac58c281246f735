"""`python -m services.discovery`: run the discovery service."""

from services.core.app import main
from services.discovery.service import build

if __name__ == "__main__":
    main("discovery", build)
