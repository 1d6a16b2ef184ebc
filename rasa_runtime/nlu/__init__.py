"""NLU components of our own, named in config.yml's pipeline."""
