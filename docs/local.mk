# docs: installed in $(docdir) and shipped in the tarball.
dist_doc_DATA += docs/protocol.md docs/decisions.md docs/coturn.md \
	docs/controls.md docs/accessibility.md docs/benchmarks.md docs/reverse-proxy.md \
	docs/operations.md
