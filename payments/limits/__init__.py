"""Limits on what a stranger can make the assistant do: the policy, and where OTP requests and lookups are counted."""
