# Convenience targets. `make demo` needs root (it starts the provisioning lab).
.PHONY: demo

demo:
	.ci/demo-edge
