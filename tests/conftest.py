"""Settings shared by every test layer."""
from hypothesis import settings

# No per-example time limit: CI shares two cores with Rasa and the servers, and
# speed is measured by a benchmark, never asserted by a test.
settings.register_profile("project", deadline=None, print_blob=True)
settings.load_profile("project")
