# ntske-probe: build fragment (filled in by its issue).
