# nts-fuzz: build fragment (filled in by its issue).
