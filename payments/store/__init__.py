"""The booking database: the repository (``repository.BookingStore``), its models, queries, guards and migrations."""
