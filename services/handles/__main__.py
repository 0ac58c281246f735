"""`python -m services.handles`: run the handle-registry service."""

from services.core.app import main
from services.handles.service import build

if __name__ == "__main__":
    main("handle-registry", build)
