# nts-pcap: build fragment (filled in by its issue).
