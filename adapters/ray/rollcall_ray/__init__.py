"""The Ray side of rollcall's Ray bridge (see ../README.md)."""
