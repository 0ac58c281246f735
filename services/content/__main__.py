"""`python -m services.content`: run the content-routing service."""

from services.content.service import build
from services.core.app import main

if __name__ == "__main__":
    main("content-routing", build)
