"""The editors' report of the recorded conversations: `newsbot report`, /admin/report."""
