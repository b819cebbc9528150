"""What a client does to an org without orgd's help: start orgd as a process (`up`), stop an
org whose orgd is gone, and find an org's processes in /proc. Imports neither `daemon` nor
`tui`: orgd is started as `python -m orgtui.daemon`, never imported."""
