"""Taizhang (台账): the work ledger of a Party organization's learning-and-education campaign."""
