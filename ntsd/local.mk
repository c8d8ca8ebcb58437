# ntsd: build fragment (filled in by its issue).
