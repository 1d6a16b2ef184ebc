"""The payment's custom actions apart from the form: ask, conclude, cancel, status, fresh OTP, outcome notice."""
