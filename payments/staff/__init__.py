"""The people behind the back office: staff accounts with roles, and the audit log of what they did.

Kept in the booking database (revision 0005); created and disabled with
``python -m payments.ops account-create / account-disable``, read with
``python -m payments.ops audit-log``.
"""
