"""The test suite's composition root: the fixtures know the platform's services (asn.services)."""

from asn.services import SERVICES
from shared.declaration import declare

pytest_plugins = ["shared.testing"]

declare(SERVICES)
