# ntsmon: build fragment (filled in by its issue).
